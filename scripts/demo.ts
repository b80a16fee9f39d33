/**
 * The main job on the embedded default: starts the emulated organization
 * (emulator/scenarios/default.json, or the file given as the first argument), then drives it
 * with the `root-access` command-line tool exactly as an operator would against AWS:
 * preflight, audit, a dry run, enforce, and a final audit proving the organization converged.
 *
 *   npm run demo [-- path/to/scenario.json]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startEmulator } from '../emulator';

const run = promisify(execFile);
const root = join(__dirname, '..');
const cli = join(root, 'bin', 'root-access.js');

interface Step {
  title: string;
  args: string[];
}

// Alice is recovering her sandbox's root user under incident INC-4711: her account keeps its root
// credentials until the window ends, and is audited but never changed until then.
const breakGlass = ['--break-glass', '777777777777=2099-01-01T00:00:00Z:INC-4711 sandbox root recovery'];

const steps: Step[] = [
  {
    title: 'Preflight: organization prerequisites and SCPs that would block root sessions',
    args: ['preflight', '--all'],
  },
  { title: 'Audit: which member accounts hold root credentials', args: ['audit', '--all'] },
  {
    title: 'Enforce, dry run: what would be removed (nothing changes)',
    args: ['enforce', '--all', '--dry-run', ...breakGlass],
  },
  { title: 'Enforce: remove every root credential', args: ['enforce', '--all', '--yes', ...breakGlass] },
  { title: 'Audit again: the organization has converged', args: ['audit', '--all', ...breakGlass] },
];

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli', 'root-access.js'))) {
    throw new Error('the command-line tool is not built; run `npm ci` (or `npm run build:bundles`) first');
  }
  const scenario = process.argv[2] ?? join(root, 'emulator', 'scenarios', 'default.json');
  const emulator = await startEmulator({ scenario });
  process.stdout.write(`Emulated organization from ${scenario} at ${emulator.endpoint}\n`);
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.managementCredentials.secretAccessKey,
    AWS_PROFILE: '',
  };
  let failed = false;
  try {
    for (const [index, step] of steps.entries()) {
      process.stdout.write(
        `\n=== ${index + 1}. ${step.title}\n$ root-access ${step.args.join(' ')} --output table\n`,
      );
      const [code, stdout, stderr] = await run(process.execPath, [cli, ...step.args, '--output', 'table'], {
        env,
        maxBuffer: 64 * 1024 * 1024,
      }).then(
        (result) => [0, result.stdout, result.stderr] as const,
        (error: { code?: number; stdout?: string; stderr?: string }) =>
          [error.code ?? 1, error.stdout ?? '', error.stderr ?? ''] as const,
      );
      process.stdout.write(stdout);
      if (stderr.trim()) {
        process.stdout.write(stderr);
      }
      process.stdout.write(`(exit code ${code})\n`);
      if (index === steps.length - 1 && code !== 0) {
        failed = true;
      }
    }
    const calls = await emulator.calls();
    const mutating = calls.filter((call) => call.mutating && call.decision === 'allow').length;
    process.stdout.write(`\nThe emulator logged ${calls.length} AWS calls, ${mutating} of them changes.\n`);
  } finally {
    await emulator.stop();
  }
  if (failed) {
    process.stdout.write('The final audit still found non-compliant accounts (see above).\n');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
