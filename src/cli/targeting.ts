import {
  ACCOUNT_ID_PATTERN,
  validateDesiredState,
  type Mode,
  type ResolvedDesiredState,
  type ValidationIssue,
} from '../shared/desired-state';
import { isRecord, loadConfigFile, readUtf8File, type ReadFile } from './config-file';
import { UsageError } from './exit-codes';

/** The targeting flags of `preflight`, `audit` and `enforce`, as typed (lists already split on commas). */
export interface TargetingFlags {
  readonly config?: string;
  readonly all?: boolean;
  readonly accounts?: readonly string[];
  readonly ous?: readonly string[];
  readonly exclude?: readonly string[];
  readonly breakGlass?: readonly string[];
  readonly concurrency?: string;
  readonly dryRun?: boolean;
}

export interface TargetingContext {
  /** What the command does; it wins over a config file's `mode`. */
  readonly mode: Mode;
  readonly now?: Date;
  readonly readFile?: ReadFile;
}

export interface Targeting {
  readonly desired: ResolvedDesiredState;
  /** `<where>: <message>` lines, printed as `warning: ...`; the run goes on. */
  readonly warnings: readonly string[];
  /** The `mode` the `--config` file declares, if any, with where it sits, for run.ts to weigh against the command. */
  readonly fileMode?: { readonly mode: unknown; readonly where: string };
}

const DEFAULT_BREAK_GLASS_REASON = 'granted with --break-glass on the command line';

/**
 * Builds the run's desired state from `--config` and the targeting flags, and validates it with the
 * same rules as the cdktf app and the Lambda. Throws a {@link UsageError} with one line per problem.
 *
 * Flags given with `--config`:
 * - `--all` / `--accounts` / `--ous` replace the file's `targets` as a whole (a target set is one choice);
 * - `--exclude` and `--break-glass` add to the file's exclusions and windows, so a flag can narrow a run
 *   but never reduce the protection the file gives: a flag window for an account the file already
 *   protects only counts when it ends later (it extends the window); an earlier one is ignored, with a
 *   warning;
 * - `--concurrency` replaces the file's value; `--dry-run` turns dry-run on (a file's `"dryRun": true`
 *   cannot be turned off from the command line);
 * - the command (`audit`, `enforce`) says what to do; the file's `mode` is returned as `fileMode` so
 *   that `enforce` can refuse a file that asks for an audit.
 */
export function buildTargeting(flags: TargetingFlags, context: TargetingContext): Targeting {
  const now = context.now ?? new Date();
  const lines: string[] = [];
  const flagTargets = flags.all === true || flags.accounts !== undefined || flags.ous !== undefined;

  if (flags.all === true && (flags.accounts !== undefined || flags.ous !== undefined)) {
    lines.push('--all selects every member account; drop --accounts/--ous, or drop --all');
  }
  if (flags.config === undefined && !flagTargets) {
    lines.push('no targets: pass --all, --accounts ID,..., --ous OU,..., or --config FILE');
  }

  const excluded = routeExclusions(flags.exclude ?? [], lines);
  const windows = (flags.breakGlass ?? []).flatMap((text) => parseBreakGlass(text, lines));
  const concurrency =
    flags.concurrency === undefined ? undefined : parseConcurrency(flags.concurrency, lines);

  let base: Record<string, unknown> = {};
  let fileLabel = '';
  if (flags.config !== undefined) {
    const loaded = loadFileDocument(flags.config, context.readFile ?? readUtf8File, now);
    if ('lines' in loaded) {
      throw new UsageError([...lines, ...loaded.lines]);
    }
    ({ base, fileLabel } = loaded);
  }
  const baseExclusions = isRecord(base['exclusions']) ? base['exclusions'] : {};
  const baseExcludedAccounts = stringList(baseExclusions['accountIds']);
  const baseExcludedOus = stringList(baseExclusions['organizationalUnitIds']);
  const fileWindows = Array.isArray(base['breakGlass']) ? (base['breakGlass'] as unknown[]) : [];
  const fileUntil = new Map<string, number>();
  for (const window of fileWindows) {
    if (isRecord(window)) {
      const until = Date.parse(String(window['until']));
      const accountId = String(window['accountId']);
      fileUntil.set(accountId, Math.max(fileUntil.get(accountId) ?? -Infinity, until));
    }
  }
  const notices: string[] = [];
  // A flag never shortens a window the file declares: only a later `until` replaces it.
  const extending = windows.filter((window) => {
    const file = fileUntil.get(window.accountId);
    if (file === undefined || Date.parse(window.until) > file) return true;
    notices.push(
      `--break-glass: ${window.accountId}=${window.until} ends before the window ${fileLabel}breakGlass declares (until ${new Date(file).toISOString()}); a flag can only extend a window, so the file's window stays`,
    );
    return false;
  });
  const extended = new Set(extending.map((window) => window.accountId));
  const baseWindows = fileWindows.filter(
    (window) => !(isRecord(window) && extended.has(String(window['accountId']))),
  );

  const document: Record<string, unknown> = {
    ...base,
    targets: flagTargets
      ? {
          ...(flags.all === true ? { allAccounts: true } : {}),
          ...(flags.accounts !== undefined ? { accountIds: flags.accounts } : {}),
          ...(flags.ous !== undefined ? { organizationalUnitIds: flags.ous } : {}),
        }
      : base['targets'],
    exclusions: {
      accountIds: unionAfter(baseExcludedAccounts, excluded.accountIds),
      organizationalUnitIds: unionAfter(baseExcludedOus, excluded.organizationalUnitIds),
    },
    breakGlass: [...baseWindows, ...extending],
    mode: context.mode,
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
  // dryRun is meaningless outside enforce; dropping it spares a warning the user cannot act on.
  delete document['dryRun'];
  if (context.mode === 'enforce' && (flags.dryRun === true || base['dryRun'] === true)) {
    document['dryRun'] = true;
  }

  const sources: IssueSources = {
    fileLabel,
    flagTargets,
    flagConcurrency: concurrency !== undefined,
    fileExcludedAccounts: baseExcludedAccounts.length,
    fileExcludedOus: baseExcludedOus.length,
    fileWindows: baseWindows.length,
  };
  const result = validateDesiredState(document, { now });
  const warnings = [...notices, ...result.warnings.map((issue) => locate(issue, sources))];
  // The flag checks above already said what is wrong with the target set as a whole.
  const errors = result.ok
    ? []
    : result.errors.filter((issue) => lines.length === 0 || issue.path !== 'targets');
  lines.push(...errors.map((issue) => locate(issue, sources)));
  if (!result.ok || lines.length > 0) {
    throw new UsageError(lines);
  }
  return {
    desired: result.value,
    warnings,
    ...(flags.config !== undefined && base['mode'] !== undefined
      ? { fileMode: { mode: base['mode'], where: `${fileLabel}mode` } }
      : {}),
  };
}

/** The file's document, valid on its own, so that every later error can be pinned on a flag or on the file. */
function loadFileDocument(
  file: string,
  readFile: ReadFile,
  now: Date,
): { base: Record<string, unknown>; fileLabel: string } | { lines: readonly string[] } {
  let config;
  try {
    config = loadConfigFile(file, readFile);
  } catch (error) {
    if (error instanceof UsageError) {
      return { lines: error.lines };
    }
    throw error;
  }
  const fileLabel = config.prefix ? `${config.file}: ${config.prefix}.` : `${config.file}: `;
  const alone = validateDesiredState(config.document, { now });
  if (!alone.ok) {
    return { lines: alone.errors.map((issue) => atFile(fileLabel, issue)) };
  }
  return { base: config.document, fileLabel };
}

/** Splits `--exclude` values by their shape: account ids and OU ids may be mixed in one list. */
function routeExclusions(
  values: readonly string[],
  lines: string[],
): { accountIds: string[]; organizationalUnitIds: string[] } {
  const accountIds: string[] = [];
  const organizationalUnitIds: string[] = [];
  for (const value of values) {
    if (ACCOUNT_ID_PATTERN.test(value)) {
      accountIds.push(value);
    } else if (value.startsWith('ou-')) {
      // The OU pattern itself is checked by the shared validator, which words the fix.
      organizationalUnitIds.push(value);
    } else {
      lines.push(
        `--exclude: ${JSON.stringify(value)} is neither a 12-digit account id nor an organizational unit id (ou-...)`,
      );
    }
  }
  return { accountIds, organizationalUnitIds };
}

// ISO 8601 with a zone contains colons itself, so the optional `:REASON` is what follows a complete instant.
const BREAK_GLASS =
  /^([^=]*)=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))(?::(.*))?$/s;

function parseBreakGlass(
  text: string,
  lines: string[],
): { accountId: string; until: string; reason: string }[] {
  const match = BREAK_GLASS.exec(text);
  if (match === null) {
    lines.push(
      `--break-glass: got ${JSON.stringify(text)}; expected ACCOUNT=UNTIL[:REASON] with UNTIL an ISO 8601 date-time with a zone, e.g. 222222222222=2026-12-01T18:00:00Z:INC-42`,
    );
    return [];
  }
  const [, accountId = '', until = '', reason] = match;
  return [
    {
      accountId,
      until,
      reason: reason === undefined || reason === '' ? DEFAULT_BREAK_GLASS_REASON : reason,
    },
  ];
}

function parseConcurrency(text: string, lines: string[]): number | undefined {
  if (!/^\d+$/.test(text.trim())) {
    lines.push(`--concurrency: got ${JSON.stringify(text)}; expected a whole number such as 10`);
    return undefined;
  }
  return Number(text);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The file's list, then the flag's values it lacks; repeats inside the flag are kept so the validator names them. */
function unionAfter(fromFile: readonly string[], fromFlag: readonly string[]): string[] {
  return [...fromFile, ...fromFlag.filter((value) => !fromFile.includes(value))];
}

interface IssueSources {
  readonly fileLabel: string;
  readonly flagTargets: boolean;
  readonly flagConcurrency: boolean;
  readonly fileExcludedAccounts: number;
  readonly fileExcludedOus: number;
  readonly fileWindows: number;
}

/** Names the flag a problem came from, or the file and field, so the user knows what to edit. */
function locate(issue: ValidationIssue, sources: IssueSources): string {
  const flag = flagFor(issue.path, sources);
  return flag !== undefined
    ? `${flag}: ${issue.message}`
    : `${sources.fileLabel}${issue.path}: ${issue.message}`;
}

/** `file: enforcement.targets: message`; a problem with the whole document has no field to name. */
function atFile(fileLabel: string, issue: ValidationIssue): string {
  if (issue.path === '') {
    return `${fileLabel.replace(/(: |\.)$/, '')}: ${issue.message}`;
  }
  return `${fileLabel}${issue.path}: ${issue.message}`;
}

function flagFor(path: string, sources: IssueSources): string | undefined {
  const index = (prefix: string): number | undefined => {
    const match = new RegExp(`^${prefix.replace(/[.[\]]/g, '\\$&')}\\[(\\d+)\\]`).exec(path);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  if (sources.flagTargets) {
    if (path.startsWith('targets.accountIds')) {
      return '--accounts';
    }
    if (path.startsWith('targets.organizationalUnitIds')) {
      return '--ous';
    }
    if (path.startsWith('targets')) {
      return '--all/--accounts/--ous';
    }
  }
  const excludedAccount = index('exclusions.accountIds');
  if (excludedAccount !== undefined && excludedAccount >= sources.fileExcludedAccounts) {
    return '--exclude';
  }
  const excludedOu = index('exclusions.organizationalUnitIds');
  if (excludedOu !== undefined && excludedOu >= sources.fileExcludedOus) {
    return '--exclude';
  }
  const window = index('breakGlass');
  if (window !== undefined && window >= sources.fileWindows) {
    return '--break-glass';
  }
  if (path === 'concurrency' && sources.flagConcurrency) {
    return '--concurrency';
  }
  return undefined;
}
