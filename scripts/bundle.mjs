// Builds the runnable artifacts with esbuild: the `root-access` command-line tool (and, later, the
// reconciler Lambda). Runs on `npm ci` (prepare), so a fresh clone has them; esbuild warnings fail the build.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const entries = [
  { name: 'cli', entry: 'cli/root-access.ts', outfile: 'dist/cli/root-access.js', minify: false },
].filter((e) => existsSync(join(root, e.entry)));

for (const { entry, outfile, minify } of entries) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    sourcemap: true,
    logLevel: 'silent',
    metafile: true,
  });
  if (result.warnings.length > 0) {
    console.error(result.warnings);
    process.exit(1);
  }
}
