/**
 * The layer rules in eslint.config.mjs bite: a file that crosses a boundary (src/README.md) fails
 * `eslint` with the rule's name and the layer's message, and today's tree has no such import.
 * ESLint runs in a child process with the repository's own configuration, as `npm run lint` does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..');
// The package's exports hide bin/; its main (lib/api.js) sits beside it.
const ESLINT = join(dirname(require.resolve('eslint')), '..', 'bin', 'eslint.js');
const IMPORT_RULE = '@typescript-eslint/no-restricted-imports';
const SYNTAX_RULE = 'no-restricted-syntax';

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
  readonly line: number;
}

interface LintResult {
  readonly filePath: string;
  readonly messages: readonly LintMessage[];
}

function eslint(
  args: readonly string[],
  input?: string,
): { status: number | null; results: LintResult[]; stderr: string } {
  const run = spawnSync(process.execPath, [ESLINT, '--format', 'json', ...args], {
    cwd: ROOT,
    ...(input !== undefined ? { input } : {}),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: run.status,
    results: run.stdout ? (JSON.parse(run.stdout) as LintResult[]) : [],
    stderr: run.stderr,
  };
}

/** An offending line, the folder it is written into (from the root) and what its error must say. */
interface Probe {
  readonly folder: string;
  readonly source: string;
  readonly rule: string;
  readonly says: string;
}

const probes: readonly Probe[] = [
  // Synth-time code never imports the SDK, Powertools or runtime code.
  {
    folder: 'src/constructs',
    source: "import '@aws-sdk/client-sts';",
    rule: IMPORT_RULE,
    says: 'src/constructs must not import the AWS SDK',
  },
  {
    folder: 'src/constructs',
    source: "import type {} from '@smithy/types';",
    rule: IMPORT_RULE,
    says: 'src/constructs must not import the AWS SDK',
  },
  {
    folder: 'src/constructs',
    source: "import '@aws-lambda-powertools/logger';",
    rule: IMPORT_RULE,
    says: 'src/constructs must not import the AWS SDK, Smithy or Powertools',
  },
  {
    folder: 'src/constructs',
    source: "import '../engine';",
    rule: IMPORT_RULE,
    says: 'src/constructs must not import code outside src/constructs',
  },
  {
    folder: 'src/constructs/enforcer',
    source: "import '../../lambda/handler';",
    rule: IMPORT_RULE,
    says: 'src/constructs must not import code outside src/constructs',
  },
  {
    folder: 'src/constructs',
    source: "export const handler = import('../cli/run');",
    rule: SYNTAX_RULE,
    says: 'src/constructs must not import',
  },
  // Shared code imports nothing of ours and neither cdktf nor the SDK.
  {
    folder: 'src/shared',
    source: "import '@aws-sdk/client-organizations';",
    rule: IMPORT_RULE,
    says: 'src/shared must not import the AWS SDK',
  },
  {
    folder: 'src/shared',
    source: "import 'cdktf';",
    rule: IMPORT_RULE,
    says: 'src/shared must not import cdktf',
  },
  {
    folder: 'src/shared',
    source: "import 'constructs';",
    rule: IMPORT_RULE,
    says: 'src/shared must not import cdktf, constructs',
  },
  {
    folder: 'src/shared/desired-state',
    source: "import '../../engine/types';",
    rule: IMPORT_RULE,
    says: 'src/shared must not import code outside src/shared',
  },
  {
    folder: 'src/shared',
    source: "import '../constructs/errors';",
    rule: IMPORT_RULE,
    says: 'src/shared must not import code outside src/shared',
  },
  {
    folder: 'src/shared',
    source: "export type T = import('@smithy/types').AwsCredentialIdentity;",
    rule: SYNTAX_RULE,
    says: 'src/shared must not import',
  },
  // Runtime code never imports cdktf or the constructs.
  {
    folder: 'src/engine',
    source: "import { App } from 'cdktf';\nexport const app = App;",
    rule: IMPORT_RULE,
    says: 'src/engine must not import cdktf',
  },
  {
    folder: 'src/engine',
    source: "import '@cdktf/provider-aws/lib/iam-role';",
    rule: IMPORT_RULE,
    says: 'src/engine must not import cdktf, constructs or @cdktf/*',
  },
  {
    folder: 'src/engine',
    source: "import '../constructs/errors';",
    rule: IMPORT_RULE,
    says: 'src/engine must not import code outside src/engine',
  },
  {
    folder: 'src/lambda',
    source: "import 'constructs';",
    rule: IMPORT_RULE,
    says: 'src/lambda must not import cdktf, constructs',
  },
  {
    folder: 'src/lambda',
    source: "import '../constructs/root-credentials-enforcer';",
    rule: IMPORT_RULE,
    says: 'src/lambda must not import code outside src/lambda',
  },
  {
    folder: 'src/cli',
    source: "import '@cdktf/provider-aws';",
    rule: IMPORT_RULE,
    says: 'src/cli must not import cdktf, constructs or @cdktf/*',
  },
  {
    folder: 'src/cli',
    source: "import '../constructs/centralized-root-access';",
    rule: IMPORT_RULE,
    says: 'src/cli must not import code outside src/cli',
  },
  // The emulator shares no code with the product it stands in for.
  {
    folder: 'emulator',
    source: "import '../src/shared/root-tasks';",
    rule: IMPORT_RULE,
    says: 'emulator must not import code outside emulator',
  },
  {
    folder: 'emulator/services',
    source: "import '../../app/config';",
    rule: IMPORT_RULE,
    says: 'emulator must not import code outside emulator',
  },
  {
    folder: 'emulator/scenario',
    source: "export const engine = import('../../src/engine');",
    rule: SYNTAX_RULE,
    says: 'emulator must not import code outside emulator',
  },
];

describe('layer boundaries (eslint.config.mjs)', () => {
  it('fails eslint, naming the rule and the layer, on each import that crosses a layer', () => {
    // GIVEN: one offending file per probe, written into the layer (and depth) it offends
    const tag = `layer-probe-${process.pid}`;
    const written = probes.map((probe, index) => ({
      file: join(ROOT, probe.folder, `${tag}-${index}.ts`),
      probe,
    }));
    try {
      for (const { file, probe } of written) {
        writeFileSync(file, `${probe.source}\nexport {};\n`);
      }

      // WHEN
      const { status, results, stderr } = eslint(written.map(({ file }) => relative(ROOT, file)));

      // THEN: eslint exits 1 (lint errors, not a crash) and every probe carries its rule and message.
      expect(stderr).toBe('');
      expect(status).toBe(1);
      for (const { file, probe } of written) {
        const result = results.find((entry) => entry.filePath === file);
        const layerErrors = (result?.messages ?? []).filter((message) =>
          message.message.includes('layer rule'),
        );
        expect({ source: probe.source, errors: layerErrors }).toEqual({
          source: probe.source,
          errors: [
            expect.objectContaining({ ruleId: probe.rule, message: expect.stringContaining(probe.says) }),
          ],
        });
      }
    } finally {
      for (const { file } of written) {
        rmSync(file, { force: true });
      }
    }
  });

  it('fails eslint when the package entry (src/index.ts) exports runtime code', () => {
    // GIVEN: src/index.ts as it would read with the engine exported (given on stdin, so the real
    // entry is never rewritten while other tests may be reading it)
    const entry = execFileSync('git', ['show', 'HEAD:src/index.ts'], { cwd: ROOT, encoding: 'utf8' });

    // WHEN
    const { status, results } = eslint(
      ['--stdin', '--stdin-filename', 'src/index.ts'],
      `${entry}export * from './engine';\n`,
    );

    // THEN
    expect(status).toBe(1);
    expect(results[0]?.messages).toEqual([
      expect.objectContaining({
        ruleId: IMPORT_RULE,
        message: expect.stringContaining('src/index.ts must not import src/engine'),
      }),
    ]);
  });

  it('passes the imports each layer is allowed', () => {
    // GIVEN: the layer rules alone (no type-aware rules, so the whole tree lints in seconds).
    const dir = mkdtempSync(join(tmpdir(), 'layer-config-'));
    const config = join(dir, 'eslint.config.mjs');
    try {
      writeFileSync(
        config,
        [
          `import all from ${JSON.stringify(pathToFileURL(join(ROOT, 'eslint.config.mjs')).href)};`,
          `import tseslint from ${JSON.stringify(pathToFileURL(require.resolve('typescript-eslint')).href)};`,
          'export default [',
          '  ...all.filter((entry) => entry.ignores !== undefined && Object.keys(entry).length === 1),',
          "  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },",
          "  ...all.filter((entry) => entry.name?.startsWith('layers/')),",
          '];',
        ].join('\n'),
      );

      // WHEN
      const { status, results, stderr } = eslint(['--config', config, 'src', 'app', 'emulator']);

      // THEN: every layer's file was linted by a layer rule, and none crosses a boundary.
      expect(stderr).toBe('');
      const problems = results.flatMap((result) =>
        result.messages.map(
          (message) => `${relative(ROOT, result.filePath)}:${message.line}: ${message.message}`,
        ),
      );
      expect(problems).toEqual([]);
      expect(status).toBe(0);
      expect(
        results.filter((result) => /[\\/]src[\\/](shared|engine)[\\/]/.test(result.filePath)).length,
      ).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('covers every TypeScript file of a layer, however deep', () => {
    // GIVEN: the depths the configuration generates rules for
    const tracked = execFileSync('git', ['ls-files', 'src', 'emulator'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.endsWith('.ts') && file !== 'src/index.ts');

    // WHEN: a file's depth below its layer folder
    const depthOf = (file: string) => file.split('/').length - (file.startsWith('src/') ? 3 : 2);

    // THEN: no file is deeper than the rules reach (MAX_DEPTH in eslint.config.mjs)
    expect(tracked.filter((file) => depthOf(file) >= 6)).toEqual([]);
  });
});
