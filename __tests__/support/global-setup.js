// Builds the shipped artifacts (the `root-access` tool and the reconciler Lambda bundle) once,
// before any tier runs, so tests exercise the code under test and no two test files rebuild
// dist/ while another one is running it.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'bundle.mjs')], {
    cwd: join(__dirname, '..', '..'),
    stdio: 'inherit',
  });
};
