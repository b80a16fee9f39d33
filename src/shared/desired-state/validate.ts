import { z } from 'zod';

import {
  ACCOUNT_ID_PATTERN,
  CREDENTIAL_KINDS,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  MODES,
  OU_ID_PATTERN,
  DEFAULT_MAX_BREAK_GLASS_DAYS,
  MAX_BREAK_GLASS_DAYS_LIMIT,
  type DeploymentSettings,
  type DesiredState,
  type ResolvedDesiredState,
} from './schema';
import { ValidationError, type ValidationIssue } from '../validation/rules';
import { concernsUnresolved, substituteUnresolved, type UnresolvedPaths } from './unresolved';
import { scheduleExpressionProblem } from './schedule';

export { ValidationError, formatIssue, type ValidationIssue } from '../validation/rules';
/** Thrown (at synth time, by the handler, by the command-line tool) when a document is invalid. */
export class DesiredStateError extends ValidationError {
  constructor(issues: readonly ValidationIssue[], source = 'desired state') {
    super(issues, source);
    this.name = 'DesiredStateError';
  }
}

export type ValidationResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly warnings: readonly ValidationIssue[];
      /** Fields whose values are known only at apply time (empty for run-time validation). */
      readonly unresolvedPaths: UnresolvedPaths;
    }
  | {
      readonly ok: false;
      readonly errors: readonly ValidationIssue[];
      readonly warnings: readonly ValidationIssue[];
    };

export interface ValidateOptions {
  /** Clock for break-glass expiry. @default - now */
  readonly now?: Date;
  /**
   * True for values known only at apply time (the constructs pass cdktf's `Token.isUnresolved`);
   * those are left to the run-time validation.
   * @default - every value is literal
   */
  readonly isUnresolved?: (value: unknown) => boolean;
}

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, {
  error: 'is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"',
});
const ouId = z.string().regex(OU_ID_PATTERN, {
  error:
    'is not an organizational unit id; OU ids look like "ou-ab12-cdef3456" (see `aws organizations list-organizational-units-for-parent`)',
});

/** The shape of a desired-state document (the first of the checks; the rules follow). */
export const desiredStateShape = z.strictObject({
  targets: z.strictObject({
    allAccounts: z.boolean().optional(),
    accountIds: z.array(accountId).optional(),
    organizationalUnitIds: z.array(ouId).optional(),
  }),
  exclusions: z
    .strictObject({
      accountIds: z.array(accountId).optional(),
      organizationalUnitIds: z.array(ouId).optional(),
    })
    .optional(),
  breakGlass: z
    .array(
      z.strictObject({
        accountId,
        until: z.string(),
        reason: z
          .string()
          .trim()
          .min(1, { error: 'must not be empty; say why the window exists (a ticket or incident id)' }),
      }),
    )
    .optional(),
  mode: z.enum(MODES).optional(),
  dryRun: z.boolean().optional(),
  credentialKinds: z
    .array(z.enum(CREDENTIAL_KINDS))
    .min(1, {
      error: `is empty; list at least one of ${CREDENTIAL_KINDS.join(', ')}, or omit it for all four`,
    })
    .optional(),
  concurrency: z
    .number()
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_CONCURRENCY, { error: `must be at most ${MAX_CONCURRENCY}` })
    .optional(),
  maxBreakGlassDays: z
    .number()
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_BREAK_GLASS_DAYS_LIMIT, {
      error: `must be at most ${MAX_BREAK_GLASS_DAYS_LIMIT}; a longer exemption is an exclusion, so list the account in exclusions.accountIds`,
    })
    .optional(),
  schedule: z
    .string()
    .superRefine((text, context) => {
      const problem = scheduleExpressionProblem(text);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  managementAccountId: accountId.optional(),
});

/** Renders zod's issues as "the bad value and the fix", never as a stack trace. */
export function issuesFromZod(error: z.ZodError, input: unknown, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = joinPath(prefix, issue.path);
    const value = valueAt(input, issue.path);
    const got = value === undefined ? 'is missing' : `got ${describe(value)}`;
    switch (issue.code) {
      case 'unrecognized_keys':
        return {
          path,
          message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`,
        };
      case 'invalid_type':
        return { path, message: `${got}; expected ${article(issue.expected)}` };
      case 'invalid_value':
        return {
          path,
          message: `${got}; expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        };
      case 'invalid_format':
        return { path, message: `${describe(value)} ${issue.message}` };
      default:
        return { path, message: `got ${describe(value)}; ${issue.message}` };
    }
  });
}

/**
 * States this module resolved from literal documents, with their warnings (paths relative to
 * the document). Each is deep-frozen before it is handed out, so it is still what was checked
 * when it comes back: the example app checks its config file, then passes the resolved state to
 * the enforcer construct, which would otherwise check the same value a second time.
 */
const resolvedHere = new WeakMap<object, readonly ValidationIssue[]>();

/**
 * Checks a desired-state document and fills in its defaults. Returns every problem at once,
 * so a user fixes a config file in one pass. A state this function returned before is valid by
 * construction and comes back as it is, with the warnings it had.
 */
export function validateDesiredState(
  input: unknown,
  options: ValidateOptions = {},
  prefix = '',
): ValidationResult<ResolvedDesiredState> {
  const known = input !== null && typeof input === 'object' ? resolvedHere.get(input) : undefined;
  if (known !== undefined) {
    const warnings = known.map((issue) => ({
      ...issue,
      path: joinPath(prefix, issue.path === '' ? [] : issue.path.split('.')),
    }));
    return { ok: true, value: input as ResolvedDesiredState, warnings, unresolvedPaths: new Set() };
  }
  const now = options.now ?? new Date();
  const { document, unresolvedPaths } =
    options.isUnresolved === undefined
      ? { document: input, unresolvedPaths: new Set<string>() }
      : substituteUnresolved(input, options.isUnresolved, now);
  if (unresolvedPaths.has('')) {
    // The whole document is a Terraform value: nothing to check before apply.
    return { ok: true, value: UNKNOWN_AT_SYNTH, warnings: [], unresolvedPaths };
  }
  const relative = (path: string) =>
    prefix && path.startsWith(prefix) ? path.slice(prefix.length).replace(/^\./, '') : path;
  const parsed = desiredStateShape.safeParse(document);
  if (!parsed.success) {
    const errors = issuesFromZod(parsed.error, document, prefix).filter(
      (issue) => !onUnresolvedBranch(relative(issue.path), unresolvedPaths),
    );
    if (errors.length > 0) {
      return { ok: false, errors, warnings: [] };
    }
  }
  const result = checkDesiredState(parsed.success ? parsed.data : (document as DesiredState), now, prefix);
  const isKnown = (issue: ValidationIssue) => !concernsUnresolved(relative(issue.path), unresolvedPaths);
  const errors = result.errors.filter(isKnown);
  const warnings = result.warnings.filter(isKnown);
  if (errors.length > 0 || result.value === undefined) {
    return {
      ok: false,
      errors: errors.length > 0 ? errors : [{ path: prefix, message: 'is invalid' }],
      warnings,
    };
  }
  if (parsed.success && unresolvedPaths.size === 0) {
    // Only a value built from a literal document is remembered: one with Terraform values in it
    // stands in for values nobody has seen yet.
    resolvedHere.set(
      deepFreeze(result.value),
      warnings.map((issue) => ({ ...issue, path: relative(issue.path) })),
    );
  }
  return { ok: true, value: result.value, warnings, unresolvedPaths };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Stand-in for a desired state that is one Terraform value: every field is decided at run time. */
const UNKNOWN_AT_SYNTH: ResolvedDesiredState = {
  targets: { allAccounts: true, accountIds: [], organizationalUnitIds: [] },
  exclusions: { accountIds: [], organizationalUnitIds: [] },
  breakGlass: [],
  mode: 'enforce',
  dryRun: false,
  credentialKinds: ['password', 'accessKeys', 'signingCertificates', 'mfaDevices'],
  concurrency: DEFAULT_CONCURRENCY,
  maxBreakGlassDays: DEFAULT_MAX_BREAK_GLASS_DAYS,
};

function onUnresolvedBranch(path: string, unresolvedPaths: UnresolvedPaths): boolean {
  for (const unresolved of unresolvedPaths) {
    if (path === unresolved || path.startsWith(`${unresolved}.`) || path.startsWith(`${unresolved}[`))
      return true;
  }
  return false;
}

function checkDesiredState(
  doc: DesiredState,
  now: Date,
  prefix: string,
): { errors: ValidationIssue[]; warnings: ValidationIssue[]; value?: ResolvedDesiredState } {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const at = (path: string) => joinPath(prefix, path.split('.'));

  const targets = {
    allAccounts: doc.targets.allAccounts ?? false,
    accountIds: [...(doc.targets.accountIds ?? [])],
    organizationalUnitIds: [...(doc.targets.organizationalUnitIds ?? [])],
  };
  const exclusions = {
    accountIds: [...(doc.exclusions?.accountIds ?? [])],
    organizationalUnitIds: [...(doc.exclusions?.organizationalUnitIds ?? [])],
  };

  if (!targets.allAccounts && targets.accountIds.length === 0 && targets.organizationalUnitIds.length === 0) {
    errors.push({
      path: at('targets'),
      message: 'selects no account; set "allAccounts": true, or list "accountIds" or "organizationalUnitIds"',
    });
  }
  if (targets.allAccounts && (targets.accountIds.length > 0 || targets.organizationalUnitIds.length > 0)) {
    errors.push({
      path: at('targets'),
      message:
        '"allAccounts" is true, so "accountIds" and "organizationalUnitIds" would be ignored; remove them, or set "allAccounts" to false',
    });
  }

  reportDuplicates(targets.accountIds, at('targets.accountIds'), errors);
  reportDuplicates(targets.organizationalUnitIds, at('targets.organizationalUnitIds'), errors);
  reportDuplicates(exclusions.accountIds, at('exclusions.accountIds'), errors);
  reportDuplicates(exclusions.organizationalUnitIds, at('exclusions.organizationalUnitIds'), errors);

  targets.accountIds.forEach((id, index) => {
    if (exclusions.accountIds.includes(id)) {
      errors.push({
        path: at(`targets.accountIds[${index}]`),
        message: `account ${id} is both a target and excluded; remove it from one of the two lists`,
      });
    }
  });
  targets.organizationalUnitIds.forEach((id, index) => {
    if (exclusions.organizationalUnitIds.includes(id)) {
      errors.push({
        path: at(`targets.organizationalUnitIds[${index}]`),
        message: `organizational unit ${id} is both a target and excluded; remove it from one of the two lists`,
      });
    }
  });

  const managementAccountId = doc.managementAccountId;
  if (managementAccountId !== undefined) {
    targets.accountIds.forEach((id, index) => {
      if (id === managementAccountId) {
        errors.push({
          path: at(`targets.accountIds[${index}]`),
          message: `${id} is the management account, which AssumeRoot cannot reach and the reconciler never targets; remove it (secure its root user by hand: MFA, no access keys)`,
        });
      }
    });
  }

  const breakGlass = doc.breakGlass ?? [];
  const breakGlassAccounts = breakGlass.map((window) => window.accountId);
  reportDuplicates(breakGlassAccounts, at('breakGlass'), errors, 'accountId');
  const maxBreakGlassDays = doc.maxBreakGlassDays ?? DEFAULT_MAX_BREAK_GLASS_DAYS;
  const latest = now.getTime() + maxBreakGlassDays * 86_400_000;
  breakGlass.forEach((window, index) => {
    const until = parseInstant(window.until);
    if (until === undefined) {
      errors.push({
        path: at(`breakGlass[${index}].until`),
        message: `got ${describe(window.until)}; expected a real ISO 8601 date-time with a time zone, e.g. "${exampleInstant(now)}"`,
      });
    } else if (until.getTime() > latest) {
      errors.push({
        path: at(`breakGlass[${index}].until`),
        message: `${until.toISOString()} is more than ${maxBreakGlassDays} days away (latest allowed: ${new Date(latest).toISOString()}); a break-glass window is time-boxed, so end it sooner, raise "maxBreakGlassDays", or exclude the account instead`,
      });
    } else if (until.getTime() <= now.getTime()) {
      warnings.push({
        path: at(`breakGlass[${index}].until`),
        message: `the break-glass window for ${window.accountId} ended at ${until.toISOString()}; the account is an ordinary target again, so remove the entry`,
      });
    }
    if (managementAccountId !== undefined && window.accountId === managementAccountId) {
      errors.push({
        path: at(`breakGlass[${index}].accountId`),
        message: `${window.accountId} is the management account, which the reconciler never touches; remove the entry`,
      });
    }
  });

  const credentialKinds = doc.credentialKinds ?? [
    'password',
    'accessKeys',
    'signingCertificates',
    'mfaDevices',
  ];
  reportDuplicates(credentialKinds, at('credentialKinds'), errors);

  const mode = doc.mode ?? 'audit';
  if (doc.dryRun === true && mode !== 'enforce') {
    warnings.push({
      path: at('dryRun'),
      message: 'has no effect in "audit" mode, which never changes anything',
    });
  }

  // The value is built even with errors: the caller may drop errors about unresolved values.
  return {
    errors,
    warnings,
    value: {
      targets,
      exclusions,
      breakGlass,
      mode,
      dryRun: doc.dryRun ?? false,
      credentialKinds,
      concurrency: doc.concurrency ?? DEFAULT_CONCURRENCY,
      maxBreakGlassDays,
      ...(doc.schedule !== undefined ? { schedule: doc.schedule } : {}),
      ...(managementAccountId !== undefined ? { managementAccountId } : {}),
    },
  };
}

/** Like {@link validateDesiredState}, but throws a {@link DesiredStateError} listing every problem. */
export function parseDesiredState(input: unknown, options: ValidateOptions = {}): ResolvedDesiredState {
  const result = validateDesiredState(input, options);
  if (!result.ok) {
    throw new DesiredStateError(result.errors);
  }
  return result.value;
}

/**
 * A document split in two: what the engine runs on, and the deployment settings it ignores. The
 * engine part is a new object without the deployment keys, so whatever it is passed to (the
 * engine, a report, a log, the function's environment) never carries them. A validated document
 * gives exactly the `EngineDesiredState` the engine takes.
 */
export function splitDesiredState<Document extends DeploymentSettings = ResolvedDesiredState>(
  document: Document,
): {
  readonly engine: Omit<Document, keyof DeploymentSettings>;
  readonly deployment: DeploymentSettings;
} {
  const { schedule, managementAccountId, ...engine } = document;
  return {
    engine,
    deployment: {
      ...(schedule !== undefined ? { schedule } : {}),
      ...(managementAccountId !== undefined ? { managementAccountId } : {}),
    },
  };
}

/**
 * Parses an ISO 8601 date-time that carries a zone (`Z` or `+hh:mm`); a bare date is ambiguous.
 * Impossible calendar values (`2027-02-30`, `24:00`) are refused: `Date` would roll them over.
 */
export function parseInstant(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/.exec(
    text,
  );
  if (match === null) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk = match[8] === 'Z' || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    !zoneOk
  ) {
    return undefined;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An example instant a day from `now`, so no message ever suggests a date in the past. */
function exampleInstant(now: Date): string {
  return `${new Date(now.getTime() + 86_400_000).toISOString().slice(0, 11)}18:00:00Z`;
}

function reportDuplicates(
  values: readonly string[],
  path: string,
  errors: ValidationIssue[],
  field?: string,
): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) {
      seen.set(value, index);
      return;
    }
    errors.push({
      path: `${path}[${index}]${field ? `.${field}` : ''}`,
      message: `${describe(value)} is listed twice (first at index ${first}); remove the duplicate`,
    });
  });
}

function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let path = prefix;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      path += `[${segment}]`;
    } else if (typeof segment === 'string' && /^\[\d+\]$/.test(segment)) {
      path += segment;
    } else {
      const text = String(segment);
      path += path ? `.${text}` : text;
    }
  }
  return path;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

function article(type: string): string {
  if (type === 'array') {
    return 'a list';
  }
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
