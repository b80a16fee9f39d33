// Builds the runnable artifacts with esbuild: the `root-access` command-line tool, the reconciler
// Lambda and the `root-access-emulator`. Runs on `npm ci` and `npm pack` (prepare, after the
// library's tsc build), so a fresh clone and the published package have them; esbuild warnings fail
// the build. Each bundle carries its run-time dependencies, so the package's `dependencies` hold
// only what the constructs load at synth.
//
//   node scripts/bundle.mjs                       build every entry whose source exists
//   node scripts/bundle.mjs --only reconciler   build one entry (the enforcer construct calls this when stale)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const entries = [
  { name: 'cli', entry: 'src/cli/root-access.ts', outfile: 'dist/cli/root-access.js', minify: false },
  {
    // The reconciler Lambda. The AWS SDK clients are bundled, not taken from the runtime, so the
    // root-credential APIs (new in late 2024) behave the same everywhere; `module` first lets
    // esbuild tree-shake the SDK's ESM builds. Its metafile lands beside (not inside) the asset
    // directory, so it is not zipped into the function: `npx esbuild --analyze` style reports
    // come from `node scripts/bundle.mjs --only reconciler --analyze`.
    name: 'reconciler',
    entry: 'src/lambda/handler.ts',
    outfile: 'dist/reconciler/index.js',
    minify: true,
    mainFields: ['module', 'main'],
    metafile: 'dist/reconciler.meta.json',
    plugins: [lambdaSlimming()],
  },
  {
    // The local AWS organization emulator, so a package user can rehearse without tsx or the
    // sources. Its Lambda runtime shim is spawned as a separate Node process by file name
    // (`__dirname/runtime.cjs`), so it is copied next to the bundle rather than bundled.
    name: 'emulator',
    entry: 'emulator/cli.ts',
    outfile: 'dist/emulator/cli.js',
    minify: false,
    copy: [['emulator/lambda/runtime.cjs', 'dist/emulator/runtime.cjs']],
  },
].filter((e) => existsSync(join(root, e.entry)));

/**
 * Keeps the reconciler bundle under its 600 KB bar by leaving out code the Lambda can never run
 * (measured with `--analyze`; see the README's bundle section):
 * - zod's 40+ message locales (about 258 KB): `z` re-exports them as a namespace, which defeats
 *   tree-shaking, and only English (zod's default) is ever used; the other names resolve to
 *   undefined.
 * - the S3 and SQS clients (about 140 KB with their middleware): the engine uses them only for
 *   the unlock-bucket/queue-policy tasks, which the command-line tool runs and the Lambda never
 *   does. They are replaced by a module whose every export throws if constructed, naming why.
 * - the SDK's nested STS/SSO/SSO-OIDC/sign-in clients (about 56 KB): the credential chain loads
 *   them only for profile-based sources (assume-role profiles, SSO, console login, web identity
 *   tokens). A Lambda always has its role's credentials in the environment, the chain's first
 *   source, so these are never reached there; if they were, the error says why.
 * - Smithy's event-stream codec (about 15 KB): the protocols load it (a dynamic import) only for
 *   event-stream operations, and STS, IAM and Organizations have none.
 */
function lambdaSlimming() {
  const unavailable = [
    '@aws-sdk/client-s3',
    '@aws-sdk/client-sqs',
    '@aws-sdk/nested-clients/[a-z-]+',
    '@smithy/core/event-streams',
  ];
  return {
    name: 'lambda-slimming',
    setup(b) {
      b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
        args.importer.includes(`${'/node_modules/zod/'}`)
          ? { path: args.importer, namespace: 'zod-locales' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), '..', 'locales', 'en.js'))};`,
        resolveDir: root,
      }));
      b.onResolve({ filter: new RegExp(`^(${unavailable.join('|')})$`) }, (args) => ({
        path: args.path,
        namespace: 'unavailable-in-lambda',
      }));
      b.onLoad({ filter: /.*/, namespace: 'unavailable-in-lambda' }, (args) => ({
        contents: `const message = ${JSON.stringify(`${args.path} is left out of the reconciler Lambda bundle: S3/SQS unlock tasks run from the root-access command-line tool, profile-based credentials never apply in Lambda, and its services have no event streams`)};
module.exports = new Proxy({}, { get: (_, name) => name === '__esModule' ? false : class { constructor() { throw new Error(message); } } });`,
        loader: 'js',
      }));
    },
  };
}

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? undefined : args[onlyIndex + 1];
const analyze = args.includes('--analyze');
if (only !== undefined && !entries.some((e) => e.name === only)) {
  console.error(`bundle.mjs: no entry named "${only}" (known: ${entries.map((e) => e.name).join(', ')})`);
  process.exit(1);
}

for (const { name, entry, outfile, minify, mainFields, metafile, plugins, copy } of entries) {
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
    ...(plugins ? { plugins } : {}),
    legalComments: minify ? 'none' : 'inline',
    sourcemap: true,
    logLevel: 'silent',
    metafile: true,
  });
  if (result.warnings.length > 0) {
    console.error(result.warnings);
    process.exit(1);
  }
  for (const [from, to] of copy ?? []) {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(join(root, from), join(root, to));
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
