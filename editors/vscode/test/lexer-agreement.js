// Checks the TextMate grammar token by token against infrac's own lexer: for every token
// the lexer reads in every example, stdlib file and fixture, the scopes the grammar gives
// the same characters must say the same thing (a number is a constant, a string a string,
// a keyword a keyword, a name neither a string, a comment nor a number), and every comment
// the lexer skips is a comment (`##` documentation, `###` not).
// Run by `compiler/infrac-lsp/tests/vscode_extension.rs`, which writes the lexer's tokens
// to the JSON file named on the command line.

"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(
  path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"),
);

async function grammar() {
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(__dirname, "..", "syntaxes", "infra.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.infra");
}

// What the scopes of each lexer token class must (and must not) contain.
const RULES = {
  number: { any: ["constant.numeric", "constant.other.port"] },
  string: { any: ["string"] },
  interpolation: { any: ["punctuation.section.interpolation"] },
  keyword: { any: ["keyword"] },
  boolean: { any: ["constant.language"] },
  name: { none: ["string", "comment", "constant.numeric", "constant.other.port"] },
  // A name inside an interpolation may have no scope of its own.
  comment: { any: ["comment.line.number-sign"], none: ["documentation"] },
  doc: { any: ["comment.line.documentation"] },
};

(async () => {
  const g = await grammar();
  const files = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const failures = [];
  let checked = 0;
  for (const { file, tokens } of files) {
    const lines = fs.readFileSync(file, "utf8").split(/\r\n|\r|\n/);
    let stack = vsctm.INITIAL;
    const scoped = lines.map((line) => {
      const r = g.tokenizeLine(line, stack);
      stack = r.ruleStack;
      return r.tokens;
    });
    for (const t of tokens) {
      const rule = RULES[t.class];
      const overlapping = (scoped[t.line] || []).filter(
        (s) => s.startIndex < t.end && t.start < s.endIndex,
      );
      // Inside `{…}` of a string, code is code: what the string scope says about the
      // characters ends at the interpolation.
      const scopes = overlapping.map((s) => {
        const all = s.scopes.join(" ");
        const at = all.lastIndexOf("meta.interpolation");
        return at < 0 ? all : all.slice(at).replace(/^meta\.interpolation\.infra ?/, "");
      });
      const ok =
        scopes.length > 0 &&
        scopes.every(
          (s) =>
            (!rule.any || rule.any.some((a) => s.includes(a))) &&
            (!rule.none || !rule.none.some((n) => s.includes(n))),
        );
      checked += 1;
      if (!ok && failures.length < 40) {
        const text = lines[t.line].slice(t.start, t.end);
        failures.push(`${file}:${t.line + 1}:${t.start + 1}: ${t.class} ${JSON.stringify(text)} is ${JSON.stringify(scopes)}`);
      }
    }
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`${checked} passed, 0 failed`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
