#!/usr/bin/env node
// The `ledger` CLI (npx ledger …). Runs the compiled CLI directly (no build per call): build it once with
// `npm run build` (`npm start` does too), and again after changing the sources.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('ledger: the CLI is not built (no dist/): run `npm run build` first, once\n');
  process.exit(2);
}
const { buildCli } = require(entry);
buildCli()
  .parseAsync(process.argv)
  .catch((e) => {
    process.stderr.write(`ledger: ${e.message}\n`);
    process.exit(1);
  });
