/**
 * EventBridge event patterns (EventBridge User Guide, "Event patterns" and "Content filtering"):
 * a pattern is a JSON object whose leaves are arrays of matchers; an event matches when every
 * field the pattern names matches one of its matchers. Implemented: literal values (string,
 * number, boolean, null), `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`
 * (value, list or `{prefix}`), `exists`, `numeric` ranges, and `$or`. An array in the event
 * matches when any of its elements does.
 */
import { isRecord } from '../model/is-record';

export type EventPattern = Record<string, unknown>;

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((option) => isRecord(option) && matchesPattern(option, event))) {
        return false;
      }
      continue;
    }
    const value = isRecord(event) ? event[key] : undefined;
    if (isRecord(rule)) {
      if (!isRecord(value) && !Array.isArray(value)) return false;
      const candidates = Array.isArray(value) ? value : [value];
      if (!candidates.some((candidate) => matchesPattern(rule, candidate))) return false;
      continue;
    }
    if (!Array.isArray(rule)) return false;
    if (!matchesLeaf(rule as unknown[], value)) return false;
  }
  return true;
}

function matchesLeaf(matchers: unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return matchers.some((matcher) => {
    if (isRecord(matcher) && 'exists' in matcher)
      return (value !== undefined) === (matcher['exists'] === true);
    if (value === undefined) return false;
    return values.some((item) => matchOne(matcher, item));
  });
}

function matchOne(matcher: unknown, value: unknown): boolean {
  if (!isRecord(matcher)) return matcher === value;
  if (typeof matcher['prefix'] === 'string')
    return typeof value === 'string' && value.startsWith(matcher['prefix']);
  if (typeof matcher['suffix'] === 'string')
    return typeof value === 'string' && value.endsWith(matcher['suffix']);
  if (typeof matcher['equals-ignore-case'] === 'string') {
    return typeof value === 'string' && value.toLowerCase() === matcher['equals-ignore-case'].toLowerCase();
  }
  if (typeof matcher['wildcard'] === 'string') {
    const source = matcher['wildcard']
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return typeof value === 'string' && new RegExp(`^${source}$`, 's').test(value);
  }
  if ('anything-but' in matcher) {
    const but = matcher['anything-but'];
    if (isRecord(but) && typeof but['prefix'] === 'string') {
      return typeof value === 'string' && !value.startsWith(but['prefix']);
    }
    const excluded = Array.isArray(but) ? (but as unknown[]) : [but];
    return !excluded.includes(value);
  }
  if (Array.isArray(matcher['numeric']))
    return typeof value === 'number' && numericMatch(matcher['numeric'] as unknown[], value);
  return false;
}

function numericMatch(conditions: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      operator === '='
        ? value === bound
        : operator === '<'
          ? value < bound
          : operator === '<='
            ? value <= bound
            : operator === '>'
              ? value > bound
              : operator === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}
