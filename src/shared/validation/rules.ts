/**
 * The one validation style of the project: rules as data. A rule reads a props object or a
 * document and returns findings (path, message naming the bad value and the fix, severity); the
 * caller collects every finding at once, so a user fixes the input in one pass.
 *
 * Rules are token-aware without knowing about cdktf: the caller injects `isUnresolved` (the
 * constructs pass cdktf's `Token.isUnresolved`, run-time callers pass nothing), and every helper
 * here skips a value that is only known at apply time. The Lambda validates it then.
 */

/** One problem with an input: where, what was found, and how to fix it. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `targets.accountIds[2]`. */
  readonly path: string;
  /** One sentence naming the bad value and the fix. */
  readonly message: string;
}

export interface Finding extends ValidationIssue {
  readonly severity: 'error' | 'warning';
}

export interface Findings {
  readonly errors: readonly ValidationIssue[];
  readonly warnings: readonly ValidationIssue[];
}

/** What a rule may ask about a value besides the value itself. */
export interface RuleContext {
  /** True for a value Terraform knows only at apply time (a variable, another resource's attribute). */
  readonly isUnresolved: (value: unknown) => boolean;
}

export const LITERAL_VALUES_ONLY: RuleContext = { isUnresolved: () => false };

export type Rule<T> = (input: T, context: RuleContext) => readonly Finding[];

/**
 * Base of the project's input errors: it carries every problem at once (not just the first); `issues`
 * is the machine-readable list and the message renders one line per issue.
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

export function formatIssue(issue: ValidationIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Runs every rule and splits the findings by severity. */
export function applyRules<T>(input: T, rules: readonly Rule<T>[], context: RuleContext): Findings {
  const findings = rules.flatMap((rule) => rule(input, context));
  return splitFindings(findings);
}

export function splitFindings(findings: readonly Finding[]): Findings {
  const strip = ({ path, message }: Finding): ValidationIssue => ({ path, message });
  return {
    errors: findings.filter((f) => f.severity === 'error').map(strip),
    warnings: findings.filter((f) => f.severity === 'warning').map(strip),
  };
}

export function error(path: string, message: string): Finding {
  return { severity: 'error', path, message };
}

export function warning(path: string, message: string): Finding {
  return { severity: 'warning', path, message };
}

export function quote(value: unknown): string {
  return JSON.stringify(value);
}

/** An identifier format and the words used when a value does not match it. */
export interface IdFormat {
  readonly pattern: RegExp;
  readonly problem: string;
  readonly fix: string;
}

export function checkFormat(
  value: string | undefined,
  path: string,
  format: IdFormat,
  context: RuleContext,
): Finding[] {
  if (value === undefined || context.isUnresolved(value)) {
    return [];
  }
  if (typeof value !== 'string') {
    return [
      error(
        path,
        `got ${describeValue(value)}; expected a string that ${format.problem.replace(/^is not /, 'is ')}`,
      ),
    ];
  }
  return format.pattern.test(value) ? [] : [error(path, `${quote(value)} ${format.problem}; ${format.fix}`)];
}

/** Each literal value listed a second time, by index; unresolved values are never duplicates of anything. */
export function duplicates(values: readonly unknown[], path: string, context: RuleContext): Finding[] {
  const firstIndex = new Map<unknown, number>();
  const findings: Finding[] = [];
  values.forEach((value, index) => {
    if (context.isUnresolved(value)) {
      return;
    }
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
    } else {
      findings.push(
        error(
          `${path}[${index}]`,
          `${quote(value)} is listed twice (first at index ${first}); remove the duplicate`,
        ),
      );
    }
  });
  return findings;
}

/**
 * A whole number in a range, unless unresolved. `unit` and `why` complete the message, e.g.
 * "use a whole number from 120 to 900 (the reconciler keeps a 60-second margin)".
 */
export function checkWholeNumber(
  value: number | undefined,
  path: string,
  range: { readonly min: number; readonly max?: number; readonly unit?: string; readonly why?: string },
  context: RuleContext,
): Finding[] {
  if (value === undefined || context.isUnresolved(value)) {
    return [];
  }
  const inRange =
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= range.min &&
    (range.max === undefined || value <= range.max);
  if (inRange) {
    return [];
  }
  const span = range.max === undefined ? `of at least ${range.min}` : `from ${range.min} to ${range.max}`;
  return [
    error(
      path,
      `got ${describeValue(value)}; use a whole number ${range.unit ? `of ${range.unit} ` : ''}${span}${range.why ? ` (${range.why})` : ''}`,
    ),
  ];
}

/** One of a fixed set of values, unless unresolved. */
export function checkOneOf(
  value: unknown,
  path: string,
  allowed: readonly unknown[],
  what: string,
  context: RuleContext,
): Finding[] {
  if (value === undefined || context.isUnresolved(value) || allowed.includes(value)) {
    return [];
  }
  return [error(path, `got ${describeValue(value)}; ${what} accepts ${allowed.map(quote).join(', ')}`)];
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
