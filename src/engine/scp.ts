/**
 * Static analysis of service control policies: would this SCP deny a root session (the principal
 * `arn:aws:iam::<acct>:root` carrying `aws:AssumedRoot`) one of the IAM calls the reconciler makes?
 *
 * Only Deny statements are evaluated. SCPs are also allow-lists, but every organization keeps
 * `FullAWSAccess` (or an equivalent allow) on its path, and a missing allow is not what blocks root
 * sessions in practice: Control Tower's `AWS-GR_RESTRICT_ROOT_USER` without `ExemptAssumeRoot` is
 * (see docs/aws-behaviour.md#control-tower-restrict-root and docs/aws-behaviour.md#root-session-identity).
 * Condition keys the request would not carry are treated as absent; operators outside the String,
 * Arn, Bool and Null families never match, so an unknown construct cannot raise a false alarm.
 */
import { isRecord } from '../shared/is-record';

/** Every IAM action the reconciler calls in a member account, audit and delete tasks. */
export const RECONCILER_IAM_ACTIONS = [
  'iam:GetAccountSummary',
  'iam:GetLoginProfile',
  'iam:ListAccessKeys',
  'iam:ListSigningCertificates',
  'iam:ListMFADevices',
  'iam:DeleteLoginProfile',
  'iam:DeleteAccessKey',
  'iam:DeleteSigningCertificate',
  'iam:DeactivateMFADevice',
] as const;

export interface RootSessionDenial {
  readonly sid?: string;
  /** The reconciler actions the statement denies. */
  readonly actions: readonly string[];
  /** The statement singles out the root principal by `aws:PrincipalArn` and never mentions `aws:AssumedRoot`. */
  readonly rootWithoutExemption: boolean;
  /** "it denies arn:aws:iam::*:root without exempting aws:AssumedRoot", or what else it denies. */
  readonly explanation: string;
}

export const EXEMPTION_ADVICE =
  "add Condition Null aws:AssumedRoot=true, or Control Tower's ExemptAssumeRoot parameter";

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

/**
 * The first Deny statement of `content` that blocks a root session in `accountId` from any of
 * `actions`, or `undefined` when none does (or the document cannot be read).
 */
export function rootSessionDenial(
  content: string,
  accountId: string,
  actions: readonly string[] = RECONCILER_IAM_ACTIONS,
): RootSessionDenial | undefined {
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (!isRecord(document)) return undefined;
  const raw = document['Statement'];
  const statements = (Array.isArray(raw) ? raw : [raw]).filter(isRecord) as Statement[];
  const principalArn = `arn:aws:iam::${accountId}:root`;
  const context = new Map<string, string>([
    ['aws:principalarn', principalArn],
    ['aws:assumedroot', 'true'],
    ['aws:principalaccount', accountId],
  ]);
  for (const statement of statements) {
    if (statement.Effect !== 'Deny') continue;
    if (!resourceMatches(statement, principalArn)) continue;
    if (!conditionsMatch(statement.Condition, context)) continue;
    const denied = actions.filter((action) => actionMatches(statement, action));
    if (denied.length === 0) continue;
    const sid = typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : undefined;
    const rootWithoutExemption =
      namesRootPrincipal(statement.Condition) && !mentionsKey(statement.Condition, 'aws:assumedroot');
    const what = denied.length === actions.length ? 'every IAM call the reconciler makes' : denied.join(', ');
    return {
      ...(sid !== undefined ? { sid } : {}),
      actions: denied,
      rootWithoutExemption,
      explanation: rootWithoutExemption
        ? `it denies arn:aws:iam::*:root without exempting aws:AssumedRoot (${EXEMPTION_ADVICE})`
        : `its statement ${sid ?? '(no Sid)'} denies ${what} to root sessions (aws:AssumedRoot sessions are not exempted)`,
    };
  }
  return undefined;
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return strings(statement.Action).some((p) => glob(p, action, true));
  if (statement.NotAction !== undefined)
    return !strings(statement.NotAction).some((p) => glob(p, action, true));
  return false;
}

function resourceMatches(statement: Statement, resource: string): boolean {
  if (statement.Resource !== undefined)
    return strings(statement.Resource).some((p) => glob(p, resource, false));
  if (statement.NotResource !== undefined)
    return !strings(statement.NotResource).some((p) => glob(p, resource, false));
  return true;
}

function conditionsMatch(condition: unknown, context: Map<string, string>): boolean {
  if (condition === undefined) return true;
  if (!isRecord(condition)) return false;
  return Object.entries(condition).every(([operator, block]) => {
    if (!isRecord(block)) return false;
    return Object.entries(block).every(([key, expected]) =>
      operatorMatches(operator, context.get(key.toLowerCase()), strings(expected)),
    );
  });
}

/** One condition operator over a single-valued key (`aws:PrincipalArn`, `aws:AssumedRoot` are single-valued). */
function operatorMatches(
  rawOperator: string,
  value: string | undefined,
  expected: readonly string[],
): boolean {
  const ifExists = /IfExists$/i.test(rawOperator);
  const lower = baseOperator(rawOperator);
  if (lower === 'null') {
    const wantsAbsent = expected.some((e) => e.toLowerCase() === 'true');
    return wantsAbsent ? value === undefined : value !== undefined;
  }
  const negated = NEGATED.has(lower);
  if (value === undefined) return ifExists || negated;
  let test: (pattern: string) => boolean;
  switch (lower) {
    case 'stringequals':
    case 'stringnotequals':
    case 'arnequals':
    case 'arnnotequals':
      test = (p) => p === value;
      break;
    case 'stringequalsignorecase':
    case 'stringnotequalsignorecase':
      test = (p) => p.toLowerCase() === value.toLowerCase();
      break;
    case 'stringlike':
    case 'stringnotlike':
    case 'arnlike':
    case 'arnnotlike':
      test = (p) => glob(p, value, false);
      break;
    case 'bool':
      test = (p) => p.toLowerCase() === value.toLowerCase();
      break;
    default:
      return false;
  }
  const any = expected.some(test);
  return negated ? !any : any;
}

const NEGATED = new Set([
  'stringnotequals',
  'stringnotequalsignorecase',
  'stringnotlike',
  'arnnotequals',
  'arnnotlike',
]);

/** `ForAnyValue:StringNotLikeIfExists` -> `stringnotlike`. */
function baseOperator(operator: string): string {
  return operator
    .replace(/^(ForAnyValue|ForAllValues):/i, '')
    .replace(/IfExists$/i, '')
    .toLowerCase();
}

function namesRootPrincipal(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  return Object.entries(condition).some(
    ([operator, block]) =>
      !NEGATED.has(baseOperator(operator)) &&
      isRecord(block) &&
      Object.entries(block).some(
        ([key, values]) =>
          key.toLowerCase() === 'aws:principalarn' && strings(values).some((v) => /:root$/.test(v)),
      ),
  );
}

function mentionsKey(condition: unknown, key: string): boolean {
  if (!isRecord(condition)) return false;
  return Object.values(condition).some(
    (block) => isRecord(block) && Object.keys(block).some((k) => k.toLowerCase() === key),
  );
}

/** Policy values are a string, a boolean or a list of them; anything else matches nothing. */
function strings(value: unknown): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.flatMap((v) =>
    typeof v === 'string' ? [v] : typeof v === 'boolean' || typeof v === 'number' ? [String(v)] : [],
  );
}

/** IAM wildcards: `*` any run of characters, `?` one character. */
function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
