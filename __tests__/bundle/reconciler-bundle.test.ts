/**
 * The reconciler Lambda bundle as shipped: built by `node scripts/bundle.mjs` (on `npm ci`), under the
 * 600 KB bar (minified, without its source map), free of cdktf, with the SDK clients it
 * calls bundled in, and loadable by plain Node.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { locateBundle } from '../../src/constructs/enforcer/bundle';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'reconciler', 'index.js');
const METAFILE = join(ROOT, 'dist', 'reconciler.meta.json');
/** The design's bar, in bytes (600 KB, decimal: the stricter reading). */
const MAX_BYTES = 600_000;

interface Metafile {
  inputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

describe('reconciler Lambda bundle', () => {
  it('exists with its source map after the build', () => {
    expect(existsSync(BUNDLE)).toBe(true);
    expect(existsSync(`${BUNDLE}.map`)).toBe(true);
  });

  it('is under 600 KB minified, the source map excluded', () => {
    const bytes = statSync(BUNDLE).size;
    expect(bytes).toBeLessThan(MAX_BYTES);
  });

  it('never imports cdktf or constructs', () => {
    const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((path) => /node_modules\/(cdktf|constructs|@cdktf)\//.test(path))).toEqual([]);
    expect(readFileSync(BUNDLE, 'utf8')).not.toMatch(/require\(["'](cdktf|constructs|@cdktf\/[^"']+)["']\)/);
  });

  it('bundles the SDK clients it calls instead of taking them from the runtime', () => {
    const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
    const inputs = Object.keys(meta.inputs);
    for (const client of ['client-sts', 'client-iam', 'client-organizations']) {
      expect(inputs.some((path) => path.includes(`node_modules/@aws-sdk/${client}/`))).toBe(true);
    }
    const externals = Object.values(meta.inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => i.path),
    );
    expect(externals.filter((path) => path.startsWith('@aws-sdk/') || path.startsWith('@smithy/'))).toEqual(
      [],
    );
  });

  it('leaves out what the Lambda never runs: zod locales other than English, S3/SQS clients, profile credential clients', () => {
    const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((path) => /zod\/v4\/locales\/(?!en\.js)/.test(path))).toEqual([]);
    expect(
      inputs.filter((path) =>
        /node_modules\/@aws-sdk\/(client-s3|client-sqs|client-lambda|nested-clients)\//.test(path),
      ),
    ).toEqual([]);
  });

  it('loads in plain Node and answers a delete without any AWS configuration', () => {
    const script = `require(${JSON.stringify(BUNDLE)}).handler({ tf: { action: 'delete', prev_input: null } }, { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 }).then((r) => process.stdout.write('@@' + JSON.stringify(r)))`;
    const result = execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env['PATH'] ?? '', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    expect(JSON.parse(result.slice(result.indexOf('@@') + 2))).toMatchObject({ deleted: true });
  });
});

describe('locateBundle', () => {
  it('fails synth with the command to run when the bundle is stale and cannot be rebuilt', () => {
    // GIVEN a package root whose handler source is newer than its bundle
    const root = mkdtempSync(join(tmpdir(), 'enforcer-pkg-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'cdktf-centralized-root-access' }));
    mkdirSync(join(root, 'dist', 'reconciler'), { recursive: true });
    writeFileSync(join(root, 'dist', 'reconciler', 'index.js'), '');
    utimesSync(join(root, 'dist', 'reconciler', 'index.js'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    mkdirSync(join(root, 'src', 'lambda'), { recursive: true });
    writeFileSync(join(root, 'src', 'lambda', 'handler.ts'), '');
    // WHEN / THEN (no scripts/bundle.mjs here, so no rebuild)
    expect(() => locateBundle({ packageRoot: root })).toThrow(
      /is older than .*handler\.ts; run "npm run build:bundles" and synthesize again$/,
    );
  });

  it('uses the shipped bundle as is in an installed package without sources', () => {
    const root = mkdtempSync(join(tmpdir(), 'enforcer-pkg-'));
    mkdirSync(join(root, 'dist', 'reconciler'), { recursive: true });
    writeFileSync(join(root, 'dist', 'reconciler', 'index.js'), '');
    expect(locateBundle({ packageRoot: root })).toEqual({
      directory: join(root, 'dist', 'reconciler'),
      rebuilt: false,
    });
  });
});
