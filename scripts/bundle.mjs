// Builds the runnable artifacts with esbuild: the `root-access` command-line tool and the reconciler
// Lambda. Runs on `npm ci` (prepare), so a fresh clone has them; esbuild warnings fail the build.
//
//   node scripts/bundle.mjs                       build every entry whose source exists
//   node scripts/bundle.mjs --only root-credentials   build one entry (the enforcer construct calls this when stale)
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const entries = [
  { name: 'cli', entry: 'cli/root-access.ts', outfile: 'dist/cli/root-access.js', minify: false },
  {
    // The reconciler Lambda. The AWS SDK clients are bundled, not taken from the runtime, so the
    // root-credential APIs (new in late 2024) behave the same everywhere; `module` first lets
    // esbuild tree-shake the SDK's ESM builds. Its metafile lands beside (not inside) the asset
    // directory, so it is not zipped into the function: `npx esbuild --analyze` style reports
    // come from `node scripts/bundle.mjs --only root-credentials --analyze`.
    name: 'root-credentials',
    entry: 'custom-resources/root-credentials/handler.ts',
    outfile: 'dist/root-credentials/index.js',
    minify: true,
    mainFields: ['module', 'main'],
    metafile: 'dist/root-credentials.meta.json',
  },
].filter((e) => existsSync(join(root, e.entry)));

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? undefined : args[onlyIndex + 1];
const analyze = args.includes('--analyze');
if (only !== undefined && !entries.some((e) => e.name === only)) {
  console.error(`bundle.mjs: no entry named "${only}" (known: ${entries.map((e) => e.name).join(', ')})`);
  process.exit(1);
}

for (const { name, entry, outfile, minify, mainFields, metafile } of entries) {
  if (only !== undefined && name !== only) {
    continue;
  }
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    ...(mainFields ? { mainFields } : {}),
    legalComments: minify ? 'none' : 'inline',
    sourcemap: true,
    logLevel: 'silent',
    metafile: true,
  });
  if (result.warnings.length > 0) {
    console.error(result.warnings);
    process.exit(1);
  }
  if (metafile) {
    mkdirSync(dirname(join(root, metafile)), { recursive: true });
    writeFileSync(join(root, metafile), JSON.stringify(result.metafile));
    if (analyze) {
      const { analyzeMetafile } = await import('esbuild');
      console.log(await analyzeMetafile(result.metafile, { verbose: false }));
    }
  }
}
