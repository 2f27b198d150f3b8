// Runs the upload fixtures through the model compiled to WebAssembly (node target) and writes
// each validation report beside the others; `cargo xtask test` compares them with the native
// snapshots. Usage: node wasm_check.cjs PKG_DIR UPLOADS_DIR CASES_JSON OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');

const [pkg, uploads, casesPath, outDir] = process.argv.slice(2);
const { validate_upload } = require(path.resolve(pkg, 'innogauge.js'));
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
for (const c of cases) {
  const bytes = fs.readFileSync(path.join(uploads, c.file));
  const report = validate_upload(bytes, JSON.stringify(c.options));
  const out = path.join(outDir, c.file + '.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, report + '\n');
}
console.log(`wasm reports written for ${cases.length} fixture files`);
