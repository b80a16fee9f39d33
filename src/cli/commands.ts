/**
 * The command line: commands, their flags and help. Parsing only; `run.ts` does the work, so what a
 * command line means is tested without AWS.
 */
import { Command, CommanderError, Option } from 'commander';

import { ACCOUNT_STATUSES } from '../engine/types';
import { ExitCode } from './exit-codes';
import { OUTPUT_FORMATS, type OutputFormat } from './format';
import type { TargetingFlags } from './targeting';

export interface CommonOptions {
  readonly output?: OutputFormat;
  readonly region?: string;
  readonly profile?: string;
  readonly verbose: boolean;
  readonly debug: boolean;
}

export type RunCommandName = 'preflight' | 'audit' | 'enforce';
export type TaskCommandName = 'allow-recovery' | 'unlock-s3-bucket-policy' | 'unlock-sqs-queue-policy';

export type ParsedCommand =
  | {
      readonly kind: 'run';
      readonly command: RunCommandName;
      readonly targeting: TargetingFlags;
      readonly yes: boolean;
      /** `--details`: the full table instead of the summary and the accounts needing attention. */
      readonly details: boolean;
      /** `--status a,b`: list only accounts with these statuses (checked in run.ts). */
      readonly statuses?: readonly string[];
      /** `--override-config-mode`: enforce although the `--config` file says `"mode": "audit"`. */
      readonly overrideConfigMode: boolean;
      readonly common: CommonOptions;
    }
  | {
      readonly kind: 'task';
      readonly command: TaskCommandName;
      readonly account: string;
      readonly bucket?: string;
      readonly queueUrl?: string;
      readonly common: CommonOptions;
    };

export interface ParseOutput {
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

/**
 * Parses argv (without the node and script entries). Returns the command to run, or the exit code when
 * commander already answered (help, version: 0; unknown command or flag, bad choice: 2).
 */
export function parseCommandLine(
  argv: readonly string[],
  output: ParseOutput,
  version = '0.0.0',
): ParsedCommand | ExitCode {
  let parsed: ParsedCommand | undefined;
  const program = new Command('root-access')
    .description(
      "Centralized root access for AWS Organizations: audit and remove member accounts' root credentials, and run one-off root tasks, through sts:AssumeRoot from the management account (or the IAM delegated administrator).",
    )
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes:
  0  everything compliant, or every change made
  1  findings: non-compliant accounts (audit), failed or deferred accounts (enforce), a target
     that does not exist, failed preflight checks or task, a declined confirmation
  2  bad usage or bad input (flags, ids, config file); nothing was called
  3  the run could not be set up or complete (credentials, profile, endpoint, network, internal
     error): one error line that names the fix

AWS access uses the SDK's standard configuration: AWS_PROFILE / --profile, AWS_REGION / --region,
environment credentials, AWS_ENDPOINT_URL.`,
    );

  const common = (command: Command): Command =>
    command
      .addOption(
        new Option(
          '-o, --output <format>',
          'report format (default: table on a terminal, json otherwise)',
        ).choices(OUTPUT_FORMATS),
      )
      .option(
        '--region <region>',
        'AWS region for STS and IAM (default: the SDK configuration, else us-east-1)',
      )
      .option(
        '--profile <name>',
        'shared config/credentials profile of the management (or delegated admin) account',
      )
      .option('-v, --verbose', 'log progress (info) on stderr', false)
      .option('--debug', 'log everything on stderr, and print stack traces of internal errors', false);

  const targeting = (command: Command): Command =>
    command
      .option(
        '--config <file>',
        'root-access.config.json (its "enforcement" section) or a desired-state document',
      )
      .option('--all', 'every member account of the organization')
      .option('--accounts <ids>', 'member account ids, comma-separated (repeatable)', collect)
      .option(
        '--ous <ids>',
        'organizational unit ids (with every OU below them), comma-separated (repeatable)',
        collect,
      )
      .option(
        '--exclude <ids>',
        'account ids and/or OU ids never to touch, comma-separated (repeatable)',
        collect,
      )
      .option(
        '--break-glass <window>',
        'ACCOUNT=UNTIL[:REASON]: the account may keep its root credentials until UNTIL (ISO 8601 with a zone; a flag only extends a --config window) (repeatable)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option('--concurrency <n>', 'accounts worked on at once (1-100, default 10)');

  const onRun =
    (name: RunCommandName) =>
    (options: Record<string, unknown>): void => {
      parsed = {
        kind: 'run',
        command: name,
        targeting: targetingFlags(options),
        yes: options['yes'] === true,
        details: options['details'] === true,
        ...(Array.isArray(options['status']) ? { statuses: options['status'] as string[] } : {}),
        overrideConfigMode: options['overrideConfigMode'] === true,
        common: commonOptions(options),
      };
    };

  common(targeting(program.command('preflight')))
    .description(
      'check the organization is ready (features, trusted access, SCPs that block root sessions); changes nothing',
    )
    .action(onRun('preflight'));
  const view = (command: Command): Command =>
    command
      .option(
        '--status <statuses>',
        `list only accounts with these statuses, comma-separated (${ACCOUNT_STATUSES.join(', ')}); totals still count every account`,
        collect,
      )
      .option(
        '--details',
        'table: every account with its actions and full reasons, instead of the summary and the accounts needing attention',
        false,
      );

  view(common(targeting(program.command('audit'))))
    .description('report the root credentials of every targeted account; changes nothing')
    .action(onRun('audit'));
  view(common(targeting(program.command('enforce'))))
    .description('remove the root credentials of every targeted account (asks first, unless --yes)')
    .option('--dry-run', 'plan the removals and report them; change nothing', false)
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option(
      '--override-config-mode',
      'enforce even though the --config file says "mode": "audit" (without it, such a file stops enforce)',
      false,
    )
    .action(onRun('enforce'));

  const onTask =
    (name: TaskCommandName) =>
    (options: Record<string, unknown>): void => {
      parsed = {
        kind: 'task',
        command: name,
        account: String(options['account']),
        ...(typeof options['bucket'] === 'string' ? { bucket: options['bucket'] } : {}),
        ...(typeof options['queueUrl'] === 'string' ? { queueUrl: options['queueUrl'] } : {}),
        common: commonOptions(options),
      };
    };

  common(program.command('allow-recovery'))
    .description(
      "create a root login profile so the root email's owner can reset the password (IAMCreateRootUserPassword)",
    )
    .requiredOption('--account <id>', 'member account id')
    .action(onTask('allow-recovery'));
  common(program.command('unlock-s3-bucket-policy'))
    .description('delete a bucket policy that locks everyone out (S3UnlockBucketPolicy)')
    .requiredOption('--account <id>', 'member account id that owns the bucket')
    .requiredOption('--bucket <name>', 'bucket name')
    .action(onTask('unlock-s3-bucket-policy'));
  common(program.command('unlock-sqs-queue-policy'))
    .description('delete a queue policy that locks everyone out (SQSUnlockQueuePolicy)')
    .requiredOption('--account <id>', 'member account id that owns the queue')
    .requiredOption('--queue-url <url>', 'queue URL')
    .action(onTask('unlock-sqs-queue-policy'));

  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr });
  }

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    throw error;
  }
  if (parsed === undefined) {
    // No command given.
    output.writeErr(program.helpInformation());
    return ExitCode.Usage;
  }
  return parsed;
}

/** Accepts both `--accounts a,b` and `--accounts a --accounts b`; blanks from stray commas are dropped. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

function targetingFlags(options: Record<string, unknown>): TargetingFlags {
  const list = (key: string): readonly string[] | undefined =>
    Array.isArray(options[key]) ? (options[key] as string[]) : undefined;
  const text = (key: string): string | undefined =>
    typeof options[key] === 'string' ? options[key] : undefined;
  const accounts = list('accounts');
  const ous = list('ous');
  const exclude = list('exclude');
  const breakGlass = list('breakGlass');
  const config = text('config');
  const concurrency = text('concurrency');
  return {
    ...(config !== undefined ? { config } : {}),
    ...(options['all'] === true ? { all: true } : {}),
    ...(accounts !== undefined ? { accounts } : {}),
    ...(ous !== undefined ? { ous } : {}),
    ...(exclude !== undefined ? { exclude } : {}),
    ...(breakGlass !== undefined ? { breakGlass } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(options['dryRun'] === true ? { dryRun: true } : {}),
  };
}

function commonOptions(options: Record<string, unknown>): CommonOptions {
  return {
    ...(typeof options['output'] === 'string' ? { output: options['output'] as OutputFormat } : {}),
    ...(typeof options['region'] === 'string' ? { region: options['region'] } : {}),
    ...(typeof options['profile'] === 'string' ? { profile: options['profile'] } : {}),
    verbose: options['verbose'] === true,
    debug: options['debug'] === true,
  };
}
