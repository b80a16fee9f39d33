#!/usr/bin/env node
// Starts the bundled emulator (a local AWS organization for rehearsals). `--scenario NAME` also
// accepts the name of a scenario shipped in the package (default, control-tower, not-enabled,
// unlock), so an installed package can rehearse without knowing where npm put its files.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const packageRoot = join(__dirname, '..');
const bundle = join(packageRoot, 'dist', 'emulator', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write('error: the emulator bundle is missing; run `npm run build:bundles` first\n');
  process.exit(2);
}
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  const valueIndex = inline === undefined ? i + 1 : i;
  const value = inline ?? args[i + 1];
  if (flag !== '--scenario' || value === undefined || existsSync(value)) continue;
  const shipped = join(packageRoot, 'emulator', 'scenarios', `${value}.json`);
  if (/^[a-z0-9-]+$/.test(value) && existsSync(shipped)) {
    args[valueIndex] = inline === undefined ? shipped : `--scenario=${shipped}`;
  }
}
process.argv = [process.argv[0], bundle, ...args];
require(bundle);
