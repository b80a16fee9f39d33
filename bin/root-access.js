#!/usr/bin/env node
// Starts the bundled tool; the bundle is built on `npm ci` (prepare) or by `npm run build:bundles`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli', 'root-access.js');
if (!existsSync(bundle)) {
  process.stderr.write('error: the root-access bundle is missing; run `npm run build:bundles` first\n');
  process.exit(2);
}
require(bundle);
