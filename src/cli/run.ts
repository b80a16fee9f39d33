/**
 * Runs a parsed command against the engine and turns the outcome into output and an exit code.
 * Everything the tool touches (terminal, engine, clock, files) comes in through {@link CliDependencies}.
 */
import { summarize } from '../engine/report';
import {
  type AccountReport,
  type Engine,
  type EngineOptions,
  type RunReport,
  type TaskResult,
} from '../engine/types';
import { ACCOUNT_ID_PATTERN, type ResolvedDesiredState } from '../shared/desired-state';
import { parseCommandLine, type CommonOptions, type ParsedCommand } from './commands';
import type { ReadFile } from './config-file';
import { isInteractive, type CliIo } from './io';
import { ExitCode, UsageError } from './exit-codes';
import { formatPreflight, formatRunReport, formatTaskResult, type OutputFormat } from './format';
import { createStderrLogger } from './logger';
import { createProgress } from './progress';
import { buildTargeting } from './targeting';

export interface CliDependencies {
  readonly io: CliIo;
  readonly createEngine: (options: EngineOptions) => Engine;
  readonly now?: () => Date;
  readonly readFile?: ReadFile;
  readonly version?: string;
}

const NOT_CONFIRMED = 'enforce changes accounts; pass --yes to confirm (or --dry-run to preview)';

/** The whole tool: argv in, exit code out. Never throws; every failure becomes stderr lines and a code. */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<ExitCode> {
  const { io } = deps;
  const errorLine = (text: string): void => {
    io.stderr.write(`error: ${text}\n`);
  };
  const parsed = parseCommandLine(
    argv,
    { writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) },
    deps.version,
  );
  if (typeof parsed === 'number') {
    return parsed;
  }
  try {
    return await execute(parsed, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      error.lines.forEach(errorLine);
      return ExitCode.Usage;
    }
    const message =
      error instanceof Error
        ? `${error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}`
        : String(error);
    errorLine(message.split('\n')[0] ?? 'unknown error');
    if (parsed.common.debug) {
      io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    } else {
      io.stderr.write('(run with --debug for details)\n');
    }
    return ExitCode.Internal;
  }
}

async function execute(parsed: ParsedCommand, deps: CliDependencies): Promise<ExitCode> {
  const { io } = deps;
  const format: OutputFormat = parsed.common.output ?? (io.stdout.isTTY === true ? 'table' : 'json');
  const print = (text: string): void => {
    io.stdout.write(text);
  };
  const layout = { width: io.stdout.isTTY === true && io.stdout.columns ? io.stdout.columns : 160 };

  if (parsed.kind === 'task') {
    const task = checkTask(parsed);
    const engine = newEngine(parsed.common, deps);
    const result = await task(engine);
    print(formatTaskResult(parsed.command, result, format, layout));
    return result.ok ? ExitCode.Ok : ExitCode.Findings;
  }

  const now = deps.now?.() ?? new Date();
  const { desired, warnings } = buildTargeting(parsed.targeting, {
    mode: parsed.command === 'audit' ? 'audit' : 'enforce',
    now,
    ...(deps.readFile !== undefined ? { readFile: deps.readFile } : {}),
  });
  warnings.forEach((warning) => io.stderr.write(`warning: ${warning}\n`));

  const interactive = isInteractive(io);
  const mustConfirm = parsed.command === 'enforce' && !desired.dryRun && !parsed.yes;
  if (mustConfirm && !interactive) {
    // Checked before any AWS call: a script that forgot --yes must not half-run.
    throw new UsageError(NOT_CONFIRMED);
  }

  const engine = newEngine(parsed.common, deps);
  if (parsed.command === 'preflight') {
    const report = await engine.preflight(desired);
    print(formatPreflight(report, format, layout));
    return report.ok ? ExitCode.Ok : ExitCode.Findings;
  }

  let report: RunReport;
  if (mustConfirm) {
    const confirmed = await confirmThenEnforce(engine, desired, io, now);
    if (confirmed === undefined) {
      return ExitCode.Findings;
    }
    report = confirmed;
  } else {
    report = await runWithProgress(engine, desired, io, deps.now);
  }
  report.warnings.forEach((warning) => io.stderr.write(`warning: ${warning}\n`));
  print(formatRunReport(report, format, layout));
  return exitCodeFor(report);
}

/** audit: anything non-compliant is a finding; enforce: only what could not be done is. */
export function exitCodeFor(report: RunReport): ExitCode {
  const unfinished = report.summary.failed + report.summary.deferred;
  const findings = report.mode === 'audit' ? unfinished + report.summary['non-compliant'] : unfinished;
  return findings > 0 ? ExitCode.Findings : ExitCode.Ok;
}

/**
 * On a terminal, enforce first previews (a dry run: audit calls only), asks with the number of accounts
 * that would change, then enforces only those. The operator confirms a count, not a guess, and the
 * compliant majority is not audited twice. Resolves undefined when the operator declines.
 */
async function confirmThenEnforce(
  engine: Engine,
  desired: ResolvedDesiredState,
  io: CliIo,
  now: Date,
): Promise<RunReport | undefined> {
  const preview = await runWithProgress(engine, { ...desired, dryRun: true }, io, () => now, 'previewing');
  const toChange = preview.accounts.filter(needsEnforcement).map((account) => account.accountId);
  if (toChange.length === 0) {
    io.stderr.write(
      `no root credentials to remove in ${preview.summary.total} targeted accounts; nothing changed\n`,
    );
    return preview;
  }
  const answer = await io.prompt(
    `Remove root credentials from ${toChange.length} of ${preview.summary.total} targeted account${preview.summary.total === 1 ? '' : 's'}? [y/N] `,
  );
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr.write('aborted; nothing was changed\n');
    return undefined;
  }
  const enforced = await runWithProgress(engine, desired, io, undefined, 'enforcing', toChange);
  return mergeReports(preview, enforced);
}

function needsEnforcement(account: AccountReport): boolean {
  return (
    account.status === 'non-compliant' ||
    account.status === 'remediated' ||
    account.status === 'failed' ||
    account.actions.some((action) => action.outcome === 'planned')
  );
}

/** The preview's accounts, each replaced by its enforced result where one exists; totals recounted. */
export function mergeReports(preview: RunReport, enforced: RunReport): RunReport {
  const byId = new Map(enforced.accounts.map((account) => [account.accountId, account]));
  const seen = new Set(preview.accounts.map((account) => account.accountId));
  const accounts = [
    ...preview.accounts.map((account) => byId.get(account.accountId) ?? account),
    ...enforced.accounts.filter((account) => !seen.has(account.accountId)),
  ];
  return {
    mode: 'enforce',
    dryRun: false,
    startedAt: preview.startedAt,
    finishedAt: enforced.finishedAt,
    summary: summarize(accounts),
    accounts,
    warnings: [...new Set([...preview.warnings, ...enforced.warnings])],
  };
}

async function runWithProgress(
  engine: Engine,
  desired: ResolvedDesiredState,
  io: CliIo,
  now: (() => Date) | undefined,
  label = desired.mode === 'audit' ? 'auditing' : desired.dryRun ? 'planning' : 'enforcing',
  onlyAccountIds?: readonly string[],
): Promise<RunReport> {
  const progress = createProgress(io.stderr, label);
  try {
    return await engine.run(desired, {
      onAccountDone: progress.onAccountDone,
      ...(now !== undefined ? { now } : {}),
      ...(onlyAccountIds !== undefined ? { onlyAccountIds } : {}),
    });
  } finally {
    progress.stop();
  }
}

function newEngine(common: CommonOptions, deps: CliDependencies): Engine {
  const level = common.debug ? 'debug' : common.verbose ? 'info' : 'warn';
  return deps.createEngine({
    ...(common.region !== undefined ? { region: common.region } : {}),
    logger: createStderrLogger((text) => deps.io.stderr.write(text), level),
  });
}

/** Checks a task's arguments before any AWS call and returns the engine call to make. */
function checkTask(
  parsed: Extract<ParsedCommand, { kind: 'task' }>,
): (engine: Engine) => Promise<TaskResult> {
  const { account } = parsed;
  if (!ACCOUNT_ID_PATTERN.test(account)) {
    throw new UsageError(
      `--account: ${JSON.stringify(account)} is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`,
    );
  }
  switch (parsed.command) {
    case 'allow-recovery':
      return async (engine) => engine.allowRecovery(account);
    case 'unlock-s3-bucket-policy': {
      const bucket = parsed.bucket ?? '';
      // S3's own naming rules (general purpose buckets): 3-63 of a-z, 0-9, '.', '-', starting and ending alphanumeric.
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        throw new UsageError(
          `--bucket: ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 characters: lowercase letters, digits, '.', '-')`,
        );
      }
      return async (engine) => engine.unlockS3BucketPolicy(account, bucket);
    }
    case 'unlock-sqs-queue-policy': {
      const queueUrl = parsed.queueUrl ?? '';
      let url: URL;
      try {
        url = new URL(queueUrl);
      } catch {
        throw new UsageError(
          `--queue-url: ${JSON.stringify(queueUrl)} is not a URL; use the queue URL, e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-queue`,
        );
      }
      const owner = url.pathname.split('/').find((segment) => ACCOUNT_ID_PATTERN.test(segment));
      if (!/^https?:$/.test(url.protocol) || owner === undefined) {
        throw new UsageError(
          `--queue-url: ${JSON.stringify(queueUrl)} is not an SQS queue URL; it should look like https://sqs.us-east-1.amazonaws.com/123456789012/my-queue`,
        );
      }
      if (owner !== account) {
        throw new UsageError(
          `--queue-url: the queue belongs to account ${owner}, not to --account ${account}; a root session can only unlock its own account's queues`,
        );
      }
      return async (engine) => engine.unlockSqsQueuePolicy(account, queueUrl);
    }
  }
}
