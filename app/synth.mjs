// `npm run synth`: runs `cdktf synth` (with the arguments given) so that each config problem
// reaches the operator once. cdktf shows everything a failing app writes twice: each stderr line
// as it arrives, then all of it again in its error summary. So the app is handed a file to write
// its problems to (ROOT_ACCESS_PROBLEMS_FILE, read by app/main.ts), and they are printed here,
// once, after cdktf has finished. On success nothing is printed from the file: every warning is
// also the construct's annotation, which cdktf prints itself. Plain Node, no tsx: this adds a
// tenth of a second to synth, not the second a TypeScript check would cost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const manifest = require.resolve('cdktf-cli/package.json');
const cdktf = join(dirname(manifest), JSON.parse(readFileSync(manifest, 'utf8')).bin.cdktf);

const dir = mkdtempSync(join(tmpdir(), 'root-access-synth-'));
const problems = join(dir, 'problems.txt');
try {
  const run = spawnSync(process.execPath, [cdktf, 'synth', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ROOT_ACCESS_PROBLEMS_FILE: problems },
  });
  if (run.error !== undefined) {
    console.error(`could not start cdktf: ${run.error.message}`);
  }
  const status = run.status ?? 1;
  if (status !== 0) {
    let text = '';
    try {
      text = readFileSync(problems, 'utf8');
    } catch {
      // The app wrote nothing: cdktf's own output above says what failed.
    }
    process.stderr.write(text);
  }
  process.exitCode = status;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
