/**
 * The main job on the embedded default: starts the emulated organization
 * (emulator/scenarios/default.json, or the file given as the first argument), then drives it
 * with the `root-access` command-line tool exactly as an operator would against AWS:
 * preflight, audit, a dry run, enforce, and a final audit. The last line is a verdict read from
 * that audit's JSON report: converged only when no targeted account is left non-compliant, failed
 * or deferred; otherwise which accounts are left and why, and the demo exits 1.
 *
 *   npm run demo [-- path/to/scenario.json]
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startEmulator } from '../emulator';
import { shellQuote } from '../src/cli/quote';
import type { AccountReport, RunReport } from '../src/engine/types';

const run = promisify(execFile);
const root = join(__dirname, '..');
const cli = join(root, 'bin', 'root-access.js');

interface Step {
  readonly title: string;
  readonly args: readonly string[];
}

interface StepResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Alice is recovering her sandbox's root user under incident INC-4711: her account keeps its root
// credentials until the window ends, and is audited but never changed until then. Windows are
// bounded (30 days by default), so this one ends a week after the demo starts.
const BREAK_GLASS_ACCOUNT = '777777777777';

function breakGlassFor(scenario: string): string[] {
  let ids: string[] = [];
  try {
    const doc = JSON.parse(readFileSync(scenario, 'utf8')) as { accounts?: Array<{ id?: unknown }> };
    ids = (doc.accounts ?? []).map((account) => String(account.id));
  } catch {
    // Not a readable JSON scenario: the emulator says so when it loads it.
  }
  if (!ids.includes(BREAK_GLASS_ACCOUNT)) return [];
  const until = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return ['--break-glass', `${BREAK_GLASS_ACCOUNT}=${until}:INC-4711 sandbox root recovery`];
}

function stepsFor(breakGlass: readonly string[]): Step[] {
  return [
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
    { title: 'Audit again: did the organization converge?', args: ['audit', '--all', ...breakGlass] },
  ];
}

/** What the demo concludes from the final audit: never "converged" unless the report says so. */
function verdict(report: RunReport, preflightFailed: boolean): { converged: boolean; lines: string[] } {
  const left = report.accounts.filter((account) =>
    (['non-compliant', 'failed', 'deferred'] as const).some((status) => status === account.status),
  );
  if (left.length === 0) {
    const { compliant, remediated, skipped, excluded } = report.summary;
    const kept = report.summary['break-glass'];
    const aside = [
      ...(kept > 0
        ? [`${kept} keep${kept === 1 ? 's' : ''} root credentials on purpose, under a break-glass window`]
        : []),
      ...(skipped + excluded > 0
        ? [`${skipped + excluded} skipped or excluded (the tables above say why)`]
        : []),
    ];
    return {
      converged: true,
      lines: [
        `Converged: ${compliant + remediated} targeted accounts compliant, none left non-compliant or failed${aside.length > 0 ? `; ${aside.join('; ')}` : ''}.`,
      ],
    };
  }
  // One cause (an SCP) usually explains several accounts: each cause once, with its accounts.
  const byCause = new Map<string, AccountReport[]>();
  for (const account of left) {
    const cause =
      account.status === 'non-compliant'
        ? 'still holds root credentials'
        : (account.error ?? account.reason ?? 'no diagnosis recorded');
    byCause.set(cause, [...(byCause.get(cause) ?? []), account]);
  }
  const lines = [
    `NOT converged: ${left.length} of ${report.summary.total} accounts are not compliant (${(
      ['failed', 'deferred', 'non-compliant'] as const
    )
      .filter((status) => report.summary[status] > 0)
      .map((status) => `${report.summary[status]} ${status}`)
      .join(', ')}):`,
  ];
  for (const [cause, accounts] of byCause) {
    const names = accounts
      .map((account) => `${account.accountId}${account.accountName ? ` (${account.accountName})` : ''}`)
      .join(', ');
    lines.push(`- ${names}: ${cause}`);
  }
  if (preflightFailed) {
    lines.push('Preflight (step 1) failed before any change was made; fix what it names, then run again.');
  }
  return { converged: false, lines };
}

async function runStep(args: readonly string[], env: NodeJS.ProcessEnv): Promise<StepResult> {
  return run(process.execPath, [cli, ...args], { env, maxBuffer: 64 * 1024 * 1024 }).then(
    (result) => ({ code: 0, stdout: result.stdout, stderr: result.stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : 1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli', 'root-access.js'))) {
    throw new Error('the command-line tool is not built; run `npm ci` (or `npm run build:bundles`) first');
  }
  const scenario = process.argv[2] ?? join(root, 'emulator', 'scenarios', 'default.json');
  const breakGlass = breakGlassFor(scenario);
  const emulator = await startEmulator({ scenario });
  const out = (text: string): void => {
    process.stdout.write(text);
  };
  out(`Emulated organization from ${scenario} at ${emulator.endpoint}\n`);
  out(
    `Each command below runs as printed, with AWS_ENDPOINT_URL=${emulator.endpoint}, AWS_REGION=${emulator.region} and the emulator's management keys in the environment.\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.managementCredentials.secretAccessKey,
    AWS_PROFILE: '',
  };
  let converged = false;
  try {
    let preflightFailed = false;
    const steps = stepsFor(breakGlass);
    for (const [index, step] of steps.entries()) {
      const args = [...step.args, '--output', 'table'];
      out(`\n=== ${index + 1}. ${step.title}\n$ root-access ${shellQuote(args)}\n`);
      const result = await runStep(args, env);
      out(result.stdout);
      if (result.stderr.trim()) out(result.stderr);
      out(`(exit code ${result.code})\n`);
      if (result.code >= 2) {
        // Usage (2) or setup (3): the tool did not run, so no later step would mean anything.
        out(
          `\nStopped: step ${index + 1} could not run (exit ${result.code}, ${result.code === 2 ? 'a usage error' : 'a setup error'}); see its error line above.\n`,
        );
        return;
      }
      if (step.args[0] === 'preflight' && result.code !== 0) {
        preflightFailed = true;
        out(
          '\nPreflight failed: the accounts it names cannot be audited or enforced until that is fixed. The demo carries on to show what the tool then reports.\n',
        );
      }
      if (step.args[0] === 'enforce' && !step.args.includes('--dry-run') && result.code !== 0) {
        out('\nEnforce did not finish every account (exit 1); the final audit says which and why.\n');
      }
    }
    // The verdict comes from the report itself, not from an exit code or a step's title.
    const last = steps[steps.length - 1];
    const final = await runStep([...(last?.args ?? ['audit', '--all']), '--output', 'json'], env);
    const { converged: done, lines } = verdict(JSON.parse(final.stdout) as RunReport, preflightFailed);
    converged = done;
    const calls = await emulator.calls();
    const mutating = calls.filter((call) => call.mutating && call.decision === 'allow').length;
    out(`\nThe emulator logged ${calls.length} AWS calls, ${mutating} of them changes.\n`);
    out(`${lines.join('\n')}\n`);
  } finally {
    await emulator.stop();
    if (!converged) process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
