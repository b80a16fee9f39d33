/**
 * Runs a parsed command against the engine and turns the outcome into output and an exit code.
 * Everything the tool touches (terminal, engine, clock, files) comes in through {@link CliDependencies}.
 */
import { missingTargets, summarize } from '../engine/report';
import {
  ACCOUNT_STATUSES,
  type AccountReport,
  type AccountStatus,
  type Engine,
  type EngineOptions,
  type RunReport,
  type TaskResult,
} from '../engine/types';
import { ACCOUNT_ID_PATTERN, type ResolvedDesiredState } from '../shared/desired-state';
import { parseCommandLine, type CommonOptions, type ParsedCommand } from './commands';
import type { ReadFile } from './config-file';
import { checkEnvironment, diagnoseSetupFailure, EnvironmentError, type Env } from './environment';
import { isInteractive, type CliIo } from './io';
import { ExitCode, UsageError } from './exit-codes';
import { formatPreflight, formatRunReport, formatTaskResult, type OutputFormat } from './format';
import { createStderrLogger } from './logger';
import { createProgress, type ProgressTiming } from './progress';
import { shellQuote } from './quote';
import { DEFAULT_WIDTH } from './table';
import { buildTargeting } from './targeting';
import { describeCredentials } from './run-table';

export interface CliDependencies {
  readonly io: CliIo;
  readonly createEngine: (options: EngineOptions) => Engine;
  readonly now?: () => Date;
  readonly readFile?: ReadFile;
  readonly version?: string;
  /** The process environment (COLUMNS, AWS_PROFILE, AWS_ENDPOINT_URL...). @default - no variables */
  readonly env?: Env;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. @default - no signals */
  readonly onSignal?: (handler: (signal: string) => void) => () => void;
  /** Ends the process at once: a second signal does not wait for accounts in flight. */
  readonly exitNow?: (code: number) => void;
  readonly progressTiming?: ProgressTiming;
}

/** Accounts listed by name in the confirmation question; the rest are counted. */
export const CONFIRM_LIST_FIRST = 10;

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
    return await execute(parsed, deps, argv);
  } catch (error) {
    if (error instanceof UsageError) {
      error.lines.forEach(errorLine);
      return ExitCode.Usage;
    }
    const setup =
      error instanceof EnvironmentError ? error.message : diagnoseSetupFailure(error, deps.env ?? {});
    if (setup !== undefined) {
      // A setup problem has one cause and one fix; the stack would only bury them.
      errorLine(setup);
      if (parsed.common.debug) {
        io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
      return ExitCode.Internal;
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

async function execute(
  parsed: ParsedCommand,
  deps: CliDependencies,
  argv: readonly string[],
): Promise<ExitCode> {
  const { io } = deps;
  const format: OutputFormat = parsed.common.output ?? (io.stdout.isTTY === true ? 'table' : 'json');
  const print = (text: string): void => {
    io.stdout.write(text);
  };
  const layout = { width: terminalWidth(io, deps.env ?? {}) };

  if (parsed.kind === 'task') {
    const task = checkTask(parsed);
    checkEnvironment(deps.env ?? {}, parsed.common.profile);
    const engine = newEngine(parsed.common, deps);
    const result = await task(engine);
    print(formatTaskResult(parsed.command, result, format, layout));
    return result.ok ? ExitCode.Ok : ExitCode.Findings;
  }

  const now = deps.now?.() ?? new Date();
  const statuses = checkStatuses(parsed.kind === 'run' ? parsed.statuses : undefined);
  const targeting = buildTargeting(parsed.targeting, {
    mode: parsed.command === 'audit' ? 'audit' : 'enforce',
    now,
    ...(deps.readFile !== undefined ? { readFile: deps.readFile } : {}),
  });
  const { desired, fileMode } = targeting;
  const warnings = [...targeting.warnings];
  if (parsed.command === 'enforce' && fileMode !== undefined && fileMode.mode === 'audit') {
    // The file's owner chose audit; enforcing it anyway must be a decision, not an accident.
    if (desired.dryRun) {
      warnings.push(
        `${fileMode.where} is "audit": this dry run only plans; enforcing it needs --override-config-mode`,
      );
    } else if (!parsed.overrideConfigMode) {
      throw new UsageError(
        `${fileMode.where} is "audit", but this command enforces: run root-access audit, change the file's mode to "enforce", or pass --override-config-mode to enforce anyway`,
      );
    } else {
      warnings.push(`${fileMode.where} is "audit"; enforcing anyway (--override-config-mode)`);
    }
  }
  warnings.forEach((warning) => io.stderr.write(`warning: ${warning}\n`));

  const interactive = isInteractive(io);
  const mustConfirm = parsed.command === 'enforce' && !desired.dryRun && !parsed.yes;
  if (mustConfirm && !interactive) {
    // Checked before any AWS call: a script that forgot --yes must not half-run.
    throw new UsageError(NOT_CONFIRMED);
  }

  checkEnvironment(deps.env ?? {}, parsed.common.profile);
  const engine = newEngine(parsed.common, deps);
  if (parsed.command === 'preflight') {
    const report = await engine.preflight(desired);
    print(formatPreflight(report, format, layout));
    return report.ok ? ExitCode.Ok : ExitCode.Findings;
  }

  const interruption = listenForInterruption(deps);
  let report: RunReport;
  try {
    const context: RunContext = { engine, io, signal: interruption.signal, timing: deps.progressTiming };
    if (mustConfirm) {
      const confirmed = await confirmThenEnforce(context, desired, now);
      if (confirmed === undefined) {
        return ExitCode.Findings;
      }
      report = confirmed;
    } else {
      report = await runWithProgress(context, desired, deps.now);
    }
  } finally {
    interruption.stop();
  }
  const missing = missingTargets(report);
  // A target that was not found is an error line below; the same words as a warning would tell it twice.
  report.warnings
    .filter((warning) => !missing.some((line) => line.startsWith(warning)))
    .forEach((warning) => io.stderr.write(`warning: ${warning}\n`));
  missing.forEach((line) => io.stderr.write(`error: ${line}\n`));
  if (interruption.signal.aborted) {
    io.stderr.write(
      `interrupted: ${report.summary.deferred} account${report.summary.deferred === 1 ? ' was' : 's were'} not started (deferred); run the same command again to finish them\n`,
    );
  }
  print(
    formatRunReport(report, format, {
      ...layout,
      details: parsed.details,
      ...(statuses !== undefined ? { statuses } : {}),
      html: {
        command: `root-access ${shellQuote(argv)}`,
        scope: describeScope(desired),
        ...(deps.version !== undefined ? { version: deps.version } : {}),
      },
    }),
  );
  // A target that does not exist is never success: a CI gate must not read a typo as compliance.
  return missing.length > 0 ? ExitCode.Findings : exitCodeFor(report);
}

/** COLUMNS when set, else the terminal's width, else 80. */
export function terminalWidth(io: CliIo, env: Env): number {
  const columns = Number(env['COLUMNS']);
  if (Number.isInteger(columns) && columns > 0) return columns;
  if (io.stdout.isTTY === true && io.stdout.columns !== undefined && io.stdout.columns > 0)
    return io.stdout.columns;
  return DEFAULT_WIDTH;
}

function checkStatuses(values: readonly string[] | undefined): AccountStatus[] | undefined {
  if (values === undefined) return undefined;
  const unknown = values.filter((value) => !(ACCOUNT_STATUSES as readonly string[]).includes(value));
  if (unknown.length > 0) {
    throw new UsageError(
      unknown.map(
        (value) =>
          `--status: ${JSON.stringify(value)} is not an account status; use one or more of ${ACCOUNT_STATUSES.join(', ')}`,
      ),
    );
  }
  return values as AccountStatus[];
}

/** The run's scope in words, for the HTML page: what was targeted, what was spared, and how. */
function describeScope(desired: ResolvedDesiredState): string[] {
  const { targets, exclusions } = desired;
  const lines = [
    targets.allAccounts
      ? 'targets: every member account of the organization'
      : `targets: ${[
          ...(targets.accountIds.length > 0 ? [`accounts ${targets.accountIds.join(', ')}`] : []),
          ...(targets.organizationalUnitIds.length > 0
            ? [`organizational units ${targets.organizationalUnitIds.join(', ')} (and every OU below them)`]
            : []),
        ].join('; ')}`,
  ];
  if (exclusions.accountIds.length + exclusions.organizationalUnitIds.length > 0) {
    lines.push(`excluded: ${[...exclusions.accountIds, ...exclusions.organizationalUnitIds].join(', ')}`);
  }
  for (const window of desired.breakGlass) {
    lines.push(`break-glass: ${window.accountId} until ${window.until} (${window.reason})`);
  }
  lines.push(
    `mode: ${desired.mode}${desired.mode === 'enforce' && desired.dryRun ? ' (dry run)' : ''}; credential kinds: ${desired.credentialKinds.join(', ')}; concurrency ${desired.concurrency}`,
  );
  return lines;
}

interface Interruption {
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * SIGINT/SIGTERM during a run: the first stops new accounts from starting (those in flight finish,
 * so none is left half-done) and the report is printed with the rest `deferred`; a second exits at
 * once, for an operator who cannot wait.
 */
function listenForInterruption(deps: CliDependencies): Interruption {
  const controller = new AbortController();
  const unsubscribe = deps.onSignal?.((signal) => {
    if (!controller.signal.aborted) {
      deps.io.stderr.write(
        `\n${signal}: finishing the accounts in flight, starting no more; the report follows (${signal} again to exit at once)\n`,
      );
      controller.abort();
      return;
    }
    deps.io.stderr.write(
      `\n${signal} again: exiting now; accounts in flight may be half-done, run again to finish them\n`,
    );
    deps.exitNow?.(130);
  });
  return { signal: controller.signal, stop: () => unsubscribe?.() };
}

/** audit: anything non-compliant is a finding; enforce: only what could not be done is. */
export function exitCodeFor(report: RunReport): ExitCode {
  const unfinished = report.summary.failed + report.summary.deferred;
  const findings = report.mode === 'audit' ? unfinished + report.summary['non-compliant'] : unfinished;
  return findings > 0 ? ExitCode.Findings : ExitCode.Ok;
}

interface RunContext {
  readonly engine: Engine;
  readonly io: CliIo;
  readonly signal: AbortSignal;
  readonly timing: ProgressTiming | undefined;
}

/**
 * On a terminal, enforce first previews (a dry run: audit calls only), shows what would be removed
 * (accounts and credential kinds, the first few by name and a count), asks, then enforces only those
 * accounts. The operator confirms what will happen, and the compliant majority is not audited twice.
 * Resolves undefined when the operator declines.
 */
async function confirmThenEnforce(
  context: RunContext,
  desired: ResolvedDesiredState,
  now: Date,
): Promise<RunReport | undefined> {
  const { io } = context;
  const preview = await runWithProgress(context, { ...desired, dryRun: true }, () => now, 'previewing');
  if (context.signal.aborted) {
    return preview;
  }
  const changing = preview.accounts.filter(needsEnforcement);
  const toChange = changing.map((account) => account.accountId);
  if (toChange.length === 0) {
    io.stderr.write(
      `no root credentials to remove in ${preview.summary.total} targeted accounts; nothing changed\n`,
    );
    return preview;
  }
  io.stderr.write(confirmationText(changing, preview.summary.total));
  const answer = await io.prompt(
    `Remove these root credentials from ${toChange.length} account${toChange.length === 1 ? '' : 's'}? [y/N] `,
  );
  if (!/^y(es)?$/i.test(answer.trim())) {
    io.stderr.write('aborted; nothing was changed\n');
    return undefined;
  }
  const enforced = await runWithProgress(context, desired, undefined, 'enforcing', toChange);
  return mergeReports(preview, enforced);
}

/** What the question is about: who loses which credentials, the first few by name, then a count. */
export function confirmationText(changing: readonly AccountReport[], total: number): string {
  const planned = changing.filter((account) => account.status !== 'failed');
  const retried = changing.length - planned.length;
  const lines = [
    `Will remove root credentials from ${planned.length} of ${total} targeted account${total === 1 ? '' : 's'}:`,
    ...planned
      .slice(0, CONFIRM_LIST_FIRST)
      .map(
        (account) =>
          `  ${account.accountId}${account.accountName ? ` (${account.accountName})` : ''}: ${describeCredentials(account.credentials)}`,
      ),
  ];
  if (planned.length > CONFIRM_LIST_FIRST) {
    lines.push(`  and ${planned.length - CONFIRM_LIST_FIRST} more accounts`);
  }
  const sum = (pick: (credentials: NonNullable<AccountReport['credentials']>) => number): number =>
    planned.reduce((total, account) => total + (account.credentials ? pick(account.credentials) : 0), 0);
  const passwords = sum((c) => (c.password ? 1 : 0));
  const kinds = [
    ...(passwords > 0 ? [`${passwords} password${passwords === 1 ? '' : 's'}`] : []),
    describeCredentials({
      password: false,
      accessKeys: sum((c) => c.accessKeys),
      signingCertificates: sum((c) => c.signingCertificates),
      mfaDevices: sum((c) => c.mfaDevices),
    }),
  ].filter((part) => part !== 'none');
  if (kinds.length > 0) lines.push(`  in all: ${kinds.join(', ')}`);
  if (retried > 0) {
    lines.push(
      `and will retry ${retried} account${retried === 1 ? '' : 's'} whose audit failed in the preview`,
    );
  }
  return `${lines.join('\n')}\n`;
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
  context: RunContext,
  desired: ResolvedDesiredState,
  now: (() => Date) | undefined,
  label = desired.mode === 'audit' ? 'auditing' : desired.dryRun ? 'planning' : 'enforcing',
  onlyAccountIds?: readonly string[],
): Promise<RunReport> {
  const progress = createProgress(context.io.stderr, label, context.timing);
  try {
    return await context.engine.run(desired, {
      onAccountDone: progress.onAccountDone,
      signal: context.signal,
      ...(now !== undefined ? { now } : {}),
      ...(onlyAccountIds !== undefined ? { onlyAccountIds } : {}),
    });
  } finally {
    progress.stop();
  }
}

function newEngine(common: CommonOptions, deps: CliDependencies): Engine {
  // Per-account warnings (an account that failed) are in the report already; by default the log
  // shows only errors, so each failure is told once. --verbose adds them back, with progress.
  const level = common.debug ? 'debug' : common.verbose ? 'info' : 'error';
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
