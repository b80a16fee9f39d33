// Builds the shipped artifacts (the `root-access` tool and the reconciler Lambda bundle) once,
// before any tier runs, so tests exercise the code under test and no two test files rebuild
// dist/ while another one is running it.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  // The SDK warns once per process that its 2027 releases need Node 22; the pinned clients run on
  // Node 20 here (and nodejs22.x in Lambda), so the notice is noise in every test worker's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'bundle.mjs')], {
    cwd: join(__dirname, '..', '..'),
    stdio: 'inherit',
  });
};
