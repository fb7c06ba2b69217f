#!/usr/bin/env node
// Generates the parser with the tree-sitter CLI (npm's tree-sitter-cli), runs the corpus
// tests in test/corpus, parses every file given on the command line (by default the
// examples and the stdlib) and fails on any ERROR or MISSING node, and compiles the
// highlight, fold and indent queries (and Helix's and Zed's) against those files.
//
// The CLI binary: npm's tree-sitter-cli downloads it from GitHub when installed, which
// needs the internet; scripts/validators/install.sh instead installs the package with
// --ignore-scripts and builds the same version's binary from crates.io into it.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const here = path.join(__dirname, "..");
const cli = path.join(here, "node_modules", "tree-sitter-cli", "tree-sitter");
if (!fs.existsSync(cli)) {
  console.error(`no tree-sitter binary at ${cli}: run scripts/validators/install.sh`);
  process.exit(2);
}

function run(args, options = {}) {
  return execFileSync(cli, args, { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
}

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith(".infra")) out.push(full);
  }
  return out;
}

let files = process.argv.slice(2);
if (files.length === 0) {
  const root = path.join(here, "..", "..");
  files = walk(path.join(root, "examples"), walk(path.join(root, "stdlib"), []));
}

run(["generate"]);
try {
  run(["test"]);
} catch (e) {
  console.error(`corpus tests failed:\n${e.stdout}${e.stderr}`);
  process.exit(1);
}

let failures = 0;
for (const file of files) {
  let output = "";
  try {
    output = run(["parse", file]);
  } catch (e) {
    output = `${e.stdout}${e.stderr}`;
  }
  if (/\(ERROR|\(MISSING|ERROR \[/.test(output)) {
    failures += 1;
    const lines = output.split("\n").filter((l) => /ERROR|MISSING/.test(l)).slice(0, 3);
    console.error(`${file}: error nodes\n  ${lines.join("\n  ")}`);
  }
}

// The queries here and the editor-specific ones (Helix's and Zed's capture names) must
// compile against this grammar.
const queries = [
  ...["highlights", "folds", "indents"].map((q) => path.join("queries", `${q}.scm`)),
  ...["highlights", "indents"].map((q) => path.join("..", "helix", "queries", "infra", `${q}.scm`)),
  ...["highlights", "indents", "brackets", "outline"].map((q) =>
    path.join("..", "zed", "languages", "infra", `${q}.scm`)),
];
for (const query of queries) {
  try {
    run(["query", "--quiet", query, ...files.slice(0, 50)]);
  } catch (e) {
    failures += 1;
    console.error(`${query}: ${e.stdout}${e.stderr}`);
  }
}

console.log(`${files.length - Math.min(failures, files.length)} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
