import { z } from 'zod';

import {
  ACCOUNT_ID_PATTERN,
  CREDENTIAL_KINDS,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  MODES,
  OU_ID_PATTERN,
  SCHEDULE_PATTERN,
  type DesiredState,
  type ResolvedDesiredState,
} from './schema';

/** One problem with an input document: where, what was found, and how to fix it. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `targets.accountIds[2]`. */
  readonly path: string;
  /** One sentence naming the bad value and the fix. */
  readonly message: string;
}

/**
 * Base of the project's input errors: it carries every problem at once (not just the first), so
 * a user fixes the input in one pass; `issues` is the machine-readable list and the message
 * renders one line per issue.
 */
export class ValidationError extends Error {
  constructor(
    readonly issues: readonly ValidationIssue[],
    readonly source: string,
  ) {
    super(`invalid ${source}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

/** Thrown (at synth time, by the handler, by the command-line tool) when a document is invalid. */
export class DesiredStateError extends ValidationError {
  constructor(issues: readonly ValidationIssue[], source = 'desired state') {
    super(issues, source);
    this.name = 'DesiredStateError';
  }
}

export function formatIssue(issue: ValidationIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly ValidationIssue[] }
  | {
      readonly ok: false;
      readonly errors: readonly ValidationIssue[];
      readonly warnings: readonly ValidationIssue[];
    };

export interface ValidateOptions {
  /** Clock for break-glass expiry. @default - now */
  readonly now?: Date;
}

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, {
  error: 'is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"',
});
const ouId = z.string().regex(OU_ID_PATTERN, {
  error:
    'is not an organizational unit id; OU ids look like "ou-ab12-cdef3456" (see `aws organizations list-organizational-units-for-parent`)',
});

const desiredStateShape = z.strictObject({
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
  schedule: z
    .string()
    .regex(SCHEDULE_PATTERN, {
      error: 'is not an EventBridge Scheduler expression; use "rate(12 hours)" or "cron(0 3 * * ? *)"',
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
 * Checks a desired-state document and fills in its defaults. Returns every problem at once,
 * so a user fixes a config file in one pass.
 */
export function validateDesiredState(
  input: unknown,
  options: ValidateOptions = {},
  prefix = '',
): ValidationResult<ResolvedDesiredState> {
  const parsed = desiredStateShape.safeParse(input);
  if (!parsed.success) {
    return { ok: false, errors: issuesFromZod(parsed.error, input, prefix), warnings: [] };
  }
  const doc: DesiredState = parsed.data;
  const now = options.now ?? new Date();
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
  breakGlass.forEach((window, index) => {
    const until = parseInstant(window.until);
    if (until === undefined) {
      errors.push({
        path: at(`breakGlass[${index}].until`),
        message: `got ${describe(window.until)}; expected an ISO 8601 date-time with a time zone, e.g. "2026-12-01T18:00:00Z"`,
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

  if (errors.length > 0) {
    return { ok: false, errors, warnings };
  }
  return {
    ok: true,
    warnings,
    value: {
      targets,
      exclusions,
      breakGlass,
      mode,
      dryRun: doc.dryRun ?? false,
      credentialKinds,
      concurrency: doc.concurrency ?? DEFAULT_CONCURRENCY,
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

/** Parses an ISO 8601 date-time that carries a zone (`Z` or `+hh:mm`); a bare date is ambiguous. */
export function parseInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return undefined;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
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
