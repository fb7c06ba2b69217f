// Tokenises lines with the TextMate grammar through vscode-textmate (the engine VS Code
// uses) and checks the scopes of chosen tokens, then checks that no string or comment
// state leaks across lines in any example, fixture or stdlib file.
// Run: `npm ci && node test/grammar.test.js` in editors/vscode (the Rust test
// `compiler/infrac-lsp/tests/vscode_extension.rs` runs it).

"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = path.join(__dirname, "..", "..", "..");
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

/** The tokens of `lines`, each as { line, text, scopes }. */
function tokenize(g, lines) {
  let stack = vsctm.INITIAL;
  const out = [];
  lines.forEach((line, n) => {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      out.push({
        line: n,
        start: t.startIndex,
        end: t.endIndex,
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      });
    }
    stack = r.ruleStack;
  });
  return out;
}

const failures = [];
function expect(ok, message) {
  if (!ok) failures.push(message);
}

/** The scopes of every token that overlaps the first `needle` on `line`. */
function overlapping(tokens, lines, line, needle) {
  const at = lines[line].indexOf(needle);
  if (at < 0) throw new Error(`no ${JSON.stringify(needle)} in ${JSON.stringify(lines[line])}`);
  return tokens
    .filter((t) => t.line === line && t.start < at + needle.length && at < t.end)
    .map((t) => t.scopes.join(" "));
}

function check(g, lines, cases) {
  const tokens = tokenize(g, lines);
  for (const [line, needle, wanted, unwanted] of cases) {
    const scopes = overlapping(tokens, lines, line, needle);
    const shown = `${JSON.stringify(lines[line])}: ${needle} is ${JSON.stringify(scopes)}`;
    if (wanted) expect(scopes.length > 0 && scopes.every((s) => s.includes(wanted)), `${shown}, wanted ${wanted}`);
    if (unwanted) expect(!scopes.some((s) => s.includes(unwanted)), `${shown}, not wanted ${unwanted}`);
  }
}

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.name.endsWith(".infra")) out.push(p);
  }
  return out;
}

(async () => {
  const g = await grammar();
  check(g, ["vm ci 300 on pve {", "  os = macos-15", "  image = os.ubuntu-24_04-server", "}"], [
    [1, "macos-15", null, "constant.numeric"],
    [2, "ubuntu-24_04-server", null, "constant.numeric"],
    [0, "300", "constant.numeric"],
  ]);
  check(g, ["  dns = [::1, fe80::1, 2001:db8::/32, 10.0.0.1]"], [
    [0, "::1", "constant.numeric.ipv6"],
    [0, "fe80::1", "constant.numeric.ipv6"],
    [0, "2001:db8::/32", "constant.numeric.ipv6"],
    [0, "10.0.0.1", "constant.numeric.ipv4"],
  ]);
  check(g, ["  dhcp = 192.168.1.10..192.168.1.20", "  ipv6 = subnet(site.ipv6, 64, 0x10)"], [
    [0, "192.168.1.10", "constant.numeric.ipv4"],
    [0, "192.168.1.20", "constant.numeric.ipv4"],
    [1, "subnet", "support.function"],
    [1, "0x10", "constant.numeric"],
    [1, "0x10", null, "quantity"],
  ]);
  check(g, ["  speed = 10Gbps, uplink = 500Mbps, every = 5min, memory = 1.5GiB, cpu = 500m"], [
    [0, "10Gbps", "constant.numeric.quantity"],
    [0, "500Mbps", "constant.numeric.quantity"],
    [0, "5min", "constant.numeric.quantity"],
    [0, "1.5GiB", "constant.numeric.quantity"],
    [0, "500m", "constant.numeric.quantity"],
  ]);
  check(g, ["### a banner, not documentation", "## The router.", "# a comment"], [
    [0, "### a banner", "comment.line.number-sign", "documentation"],
    [1, "## The router.", "comment.line.documentation"],
    [2, "# a comment", "comment.line.number-sign"],
  ]);
  check(g, ['  description = "never closed', "network lan {", '  domain = "lan.example"'], [
    [0, "never closed", "string.quoted.double"],
    [1, "network", "keyword.declaration", "string"],
    [1, "lan", "entity.name.type", "string"],
    [2, "domain", "variable.other.property", "string"],
  ]);
  check(g, ["  allow lan -> router tcp/22, udp/53", "  mac = d0:94:66:24:96:7c"], [
    [0, "allow", "keyword.control.rule"],
    [0, "tcp/22", "constant.other.port"],
    [1, "d0:94:66:24:96:7c", "constant.numeric.mac"],
  ]);

  // No state leaks: every line that starts a declaration in column 0 starts with a
  // declaration keyword, in every file the repository checks.
  const files = [
    ...walk(path.join(root, "examples"), []),
    ...walk(path.join(root, "stdlib"), []),
    ...walk(path.join(root, "tests", "fixtures"), []).filter((f) => !/unterminated|bad-character|malformed/.test(f)),
  ];
  let lines = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8").split(/\r\n|\r|\n/);
    lines += text.length;
    const tokens = tokenize(g, text);
    text.forEach((line, n) => {
      const m = /^(site|host|machine|network|template|vm|lxc|cluster|app|ingress|stack|service|chassis|cpu|dimm|image)\s+[A-Za-z_"]/.exec(line);
      if (!m) return;
      const first = tokens.find((t) => t.line === n);
      const scopes = first ? first.scopes.join(" ") : "";
      expect(
        scopes.includes("keyword.declaration") && !scopes.includes("string") && !scopes.includes("comment"),
        `${path.relative(root, file)}:${n + 1}: ${JSON.stringify(m[1])} is ${scopes}`,
      );
    });
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`grammar: all cases pass; ${files.length} files, ${lines} lines without leaks`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
