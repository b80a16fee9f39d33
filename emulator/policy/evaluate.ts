/**
 * IAM policy language evaluation: which statements of one policy document apply to a request.
 *
 * Action/NotAction, Resource/NotResource with `*`/`?` wildcards matched per ARN segment, the
 * whole IAM condition grammar (String, Numeric, Date, Bool, Binary, IpAddress/NotIpAddress, Arn
 * and Null, with `IfExists` and the `ForAnyValue:` / `ForAllValues:` set qualifiers), and policy
 * variables such as `${aws:PrincipalAccount}`. An operator outside the grammar never matches, so
 * a policy using one cannot grant or deny by accident; `unsupportedOperators` lets callers reject
 * such documents up front, as IAM and Organizations do.
 */
import type { PolicyDocument, PolicyStatement } from '../model/state';
import { isRecord } from '../model/is-record';

/** Condition key values of a request, keyed by lower-cased key name (keys are case-insensitive). */
export type RequestContextValues = Map<string, string | string[]>;

export interface EvaluationRequest {
  action: string;
  resource: string;
  context: RequestContextValues;
}

export interface StatementMatch {
  effect: 'Allow' | 'Deny';
  statement: PolicyStatement;
}

export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyParseError';
  }
}

/** Builds the case-insensitive context map evaluation expects. */
export function contextValues(values: Record<string, string | string[] | undefined>): RequestContextValues {
  const map: RequestContextValues = new Map();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) map.set(key.toLowerCase(), value);
  }
  return map;
}

/** Parses and shape-checks a policy JSON string; throws PolicyParseError with what is wrong. */
export function parsePolicy(content: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new PolicyParseError(`policy is not valid JSON: ${(error as Error).message}`);
  }
  return checkPolicyDocument(parsed);
}

export function checkPolicyDocument(parsed: unknown): PolicyDocument {
  if (!isRecord(parsed)) throw new PolicyParseError('policy must be a JSON object with a "Statement"');
  const statement = parsed['Statement'];
  const statements = Array.isArray(statement) ? (statement as unknown[]) : [statement];
  if (statement === undefined || statements.length === 0) {
    throw new PolicyParseError('policy has no "Statement"');
  }
  statements.forEach((item, index) => {
    if (!isRecord(item)) throw new PolicyParseError(`Statement[${index}] must be an object`);
    if (item['Effect'] !== 'Allow' && item['Effect'] !== 'Deny') {
      throw new PolicyParseError(
        `Statement[${index}].Effect must be "Allow" or "Deny", got ${JSON.stringify(item['Effect'])}`,
      );
    }
    if ((item['Action'] === undefined) === (item['NotAction'] === undefined)) {
      throw new PolicyParseError(`Statement[${index}] needs exactly one of "Action" or "NotAction"`);
    }
    if (item['Resource'] !== undefined && item['NotResource'] !== undefined) {
      throw new PolicyParseError(`Statement[${index}] cannot have both "Resource" and "NotResource"`);
    }
    const condition = item['Condition'];
    if (condition !== undefined && !isRecord(condition)) {
      throw new PolicyParseError(`Statement[${index}].Condition must be an object`);
    }
  });
  return parsed as unknown as PolicyDocument;
}

/** Operators in a document this evaluator does not implement (they would never match). */
export function unsupportedOperators(document: PolicyDocument): string[] {
  const unsupported = new Set<string>();
  for (const statement of statementsOf(document)) {
    for (const operator of Object.keys(statement.Condition ?? {})) {
      if (parseOperator(operator) === undefined) unsupported.add(operator);
    }
  }
  return [...unsupported];
}

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

/** Every statement of the document that applies to the request, in document order. */
export function matchingStatements(document: PolicyDocument, request: EvaluationRequest): StatementMatch[] {
  const matches: StatementMatch[] = [];
  for (const statement of statementsOf(document)) {
    if (statementApplies(statement, request)) matches.push({ effect: statement.Effect, statement });
  }
  return matches;
}

/** `Deny` if any statement denies, else `Allow` if any allows, else `None` (implicit deny). */
export function evaluatePolicy(
  document: PolicyDocument,
  request: EvaluationRequest,
): 'Allow' | 'Deny' | 'None' {
  let allowed = false;
  for (const match of matchingStatements(document, request)) {
    if (match.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}

export function statementApplies(statement: PolicyStatement, request: EvaluationRequest): boolean {
  if (statement.Action !== undefined) {
    if (!asList(statement.Action).some((pattern) => actionMatches(pattern, request.action))) return false;
  } else if (statement.NotAction !== undefined) {
    if (asList(statement.NotAction).some((pattern) => actionMatches(pattern, request.action))) return false;
  }
  if (statement.Resource !== undefined) {
    if (
      !asList(statement.Resource).some((pattern) =>
        resourceMatches(pattern, request.resource, request.context),
      )
    ) {
      return false;
    }
  } else if (statement.NotResource !== undefined) {
    if (
      asList(statement.NotResource).some((pattern) =>
        resourceMatches(pattern, request.resource, request.context),
      )
    ) {
      return false;
    }
  }
  return conditionsHold(statement.Condition, request.context);
}

/** Actions compare case-insensitively (`iam:getuser` equals `iam:GetUser`). */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern.toLowerCase(), action.toLowerCase());
}

/**
 * Resources are case-sensitive and matched per ARN segment: a wildcard in the account segment
 * does not swallow the colon after it, while the final resource segment may contain colons and
 * slashes (as in `arn:aws:sqs:us-east-1:111111111111:queue` or `...:u2f/root/key`).
 */
export function resourceMatches(pattern: string, resource: string, context: RequestContextValues): boolean {
  const expanded = substituteVariables(pattern, context);
  if (expanded === undefined) return false;
  return arnMatches(expanded, resource);
}

export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const patternParts = splitArn(pattern);
  const arnParts = splitArn(arn);
  // A pattern that starts like an ARN but lacks segments is not an ARN pattern and matches no ARN.
  if (patternParts === undefined)
    return arnParts === undefined && !pattern.startsWith('arn:') && globMatch(pattern, arn);
  if (arnParts === undefined) return false;
  return patternParts.every((part, index) => globMatch(part, arnParts[index] ?? ''));
}

function splitArn(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` exactly one; everything else literally. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  let regex = globCache.get(pattern);
  if (regex === undefined) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, 's');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(pattern, regex);
  }
  return regex.test(value);
}

/**
 * Replaces `${key}` with the request's single value for that key; `${*}`, `${?}` and `${$}`
 * stand for the literal characters. Returns undefined when a variable has no value, which makes
 * the pattern match nothing (AWS treats an unresolvable variable as not matching).
 */
export function substituteVariables(text: string, context: RequestContextValues): string | undefined {
  if (!text.includes('${')) return text;
  let unresolved = false;
  const out = text.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const value = context.get(name.toLowerCase());
    if (typeof value !== 'string') {
      unresolved = true;
      return '';
    }
    return value;
  });
  return unresolved ? undefined : out;
}

/** Every base operator of the IAM condition grammar (IAM User Guide, "Condition operators"). */
const BASE_OPERATOR_NAMES = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'Null',
] as const;
type BaseOperator = (typeof BASE_OPERATOR_NAMES)[number];

const BASE_OPERATORS: ReadonlySet<string> = new Set<string>(BASE_OPERATOR_NAMES);

/** Negated operators and the positive operator they negate. */
const NEGATIONS: ReadonlyMap<BaseOperator, BaseOperator> = new Map<BaseOperator, BaseOperator>([
  ['StringNotEquals', 'StringEquals'],
  ['StringNotEqualsIgnoreCase', 'StringEqualsIgnoreCase'],
  ['StringNotLike', 'StringLike'],
  ['NumericNotEquals', 'NumericEquals'],
  ['DateNotEquals', 'DateEquals'],
  ['NotIpAddress', 'IpAddress'],
  ['ArnNotEquals', 'ArnEquals'],
  ['ArnNotLike', 'ArnLike'],
]);

interface ParsedOperator {
  base: BaseOperator;
  ifExists: boolean;
  set?: 'ForAnyValue' | 'ForAllValues';
}

function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator['set'];
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const qualifier = rest.slice(0, colon);
    if (qualifier !== 'ForAnyValue' && qualifier !== 'ForAllValues') return undefined;
    set = qualifier;
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.endsWith('IfExists') && rest !== 'IfExists';
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  if (!BASE_OPERATORS.has(rest)) return undefined;
  // `NullIfExists` is meaningless, and AWS rejects it.
  if (ifExists && rest === 'Null') return undefined;
  return { base: rest as BaseOperator, ifExists, set };
}

function conditionsHold(condition: PolicyStatement['Condition'], context: RequestContextValues): boolean {
  if (condition === undefined) return true;
  for (const [operatorName, block] of Object.entries(condition)) {
    const operator = parseOperator(operatorName);
    if (operator === undefined) return false;
    for (const [key, rawValues] of Object.entries(block)) {
      const policyValues = asList(rawValues).map((value) => String(value));
      if (!conditionHolds(operator, context.get(key.toLowerCase()), policyValues, context)) return false;
    }
  }
  return true;
}

function conditionHolds(
  operator: ParsedOperator,
  contextValue: string | string[] | undefined,
  policyValues: string[],
  context: RequestContextValues,
): boolean {
  if (operator.base === 'Null') {
    // `Null: true` asks "is the key absent?"; values are compared as text, so "TRUE" works too.
    const wantsAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
    return wantsAbsent === (contextValue === undefined);
  }
  if (contextValue === undefined) {
    if (operator.ifExists) return true;
    if (operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    // A negated operator on a missing key is true: nothing in the request equals the value.
    return NEGATIONS.has(operator.base);
  }
  const values = Array.isArray(contextValue) ? contextValue : [contextValue];
  const negated = NEGATIONS.has(operator.base);
  const positive = positiveOf(operator.base);
  const expanded = policyValues
    .map((value) => substituteVariables(value, context))
    .filter((value): value is string => value !== undefined);
  const matchesAny = (value: string): boolean =>
    expanded.some((pattern) => compare(positive, pattern, value));
  if (operator.set === 'ForAllValues')
    return values.every((value) => (negated ? !matchesAny(value) : matchesAny(value)));
  if (operator.set === 'ForAnyValue')
    return values.some((value) => (negated ? !matchesAny(value) : matchesAny(value)));
  return negated ? !values.some(matchesAny) : values.some(matchesAny);
}

function positiveOf(base: BaseOperator): BaseOperator {
  return NEGATIONS.get(base) ?? base;
}

function compare(operator: BaseOperator, pattern: string, value: string): boolean {
  switch (operator) {
    case 'StringEquals':
      return pattern === value;
    case 'StringEqualsIgnoreCase':
      return pattern.toLowerCase() === value.toLowerCase();
    case 'StringLike':
      return globMatch(pattern, value);
    case 'ArnEquals':
    case 'ArnLike':
      // AWS treats ArnEquals and ArnLike alike: both allow wildcards, matched per segment.
      return splitArn(value) !== undefined && arnMatches(pattern, value);
    case 'Bool':
      return pattern.toLowerCase() === value.toLowerCase();
    case 'BinaryEquals':
      return pattern === value;
    case 'NumericEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
      return ordered(operator, Number(value), Number(pattern));
    case 'DateEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals':
      return ordered(operator, dateValue(value), dateValue(pattern));
    case 'IpAddress':
      return ipInRange(value, pattern);
    default:
      return false;
  }
}

/** `request <op> policy` for the Numeric and Date families; NaN (unparseable) never matches. */
function ordered(operator: BaseOperator, request: number, policy: number): boolean {
  if (Number.isNaN(request) || Number.isNaN(policy)) return false;
  if (operator.endsWith('LessThanEquals')) return request <= policy;
  if (operator.endsWith('GreaterThanEquals')) return request >= policy;
  if (operator.endsWith('LessThan')) return request < policy;
  if (operator.endsWith('GreaterThan')) return request > policy;
  return request === policy;
}

/** Dates are ISO 8601 or epoch seconds, as the IAM grammar allows. */
function dateValue(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  return Date.parse(text);
}

/** IPv4 or IPv6 address in a CIDR block (or equal to a bare address). */
export function ipInRange(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const target = ipBits(address);
  const base = ipBits(network ?? '');
  if (target === undefined || base === undefined || target.length !== base.length) return false;
  const bits = bitsText === undefined ? base.length : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > base.length) return false;
  return target.slice(0, bits) === base.slice(0, bits);
}

function ipBits(address: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    const octets = address.split('.').map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return octets.map((o) => o.toString(2).padStart(8, '0')).join('');
  }
  if (!address.includes(':')) return undefined;
  const [head = '', tail] = address.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
