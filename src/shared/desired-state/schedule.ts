/**
 * EventBridge Scheduler's recurring expressions, checked field by field so that `cron(foo)` is
 * an error at synth instead of a failed apply: `rate(value unit)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)`, where one of the two day fields must
 * be `?` (see docs/aws-behaviour.md#schedule-expressions). One-off `at(...)` is not offered: the
 * reconciler's schedule recurs.
 */

const RATE = /^rate\(\s*([1-9]\d*)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Extra tokens the field accepts besides numbers, ranges, lists, steps and `*`. */
  readonly special: RegExp;
}

const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, special: /^$/ },
  { name: 'hours', min: 0, max: 23, special: /^$/ },
  { name: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, special: /^$/ },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: DAYS,
    special: /^(\?|L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/,
  },
  { name: 'year', min: 1970, max: 2199, special: /^$/ },
];

const EXAMPLES =
  'use "rate(12 hours)" or "cron(0 3 * * ? *)" (minutes hours day-of-month month day-of-week year)';

/** Undefined when `text` is a valid recurring expression, else what is wrong and the fix. */
export function scheduleExpressionProblem(text: string): string | undefined {
  if (RATE.test(text)) {
    return undefined;
  }
  if (text.startsWith('rate(')) {
    return `${JSON.stringify(text)} is not a rate expression; ${EXAMPLES}`;
  }
  const cron = CRON.exec(text);
  if (cron === null) {
    return `${JSON.stringify(text)} is not an EventBridge Scheduler expression; ${EXAMPLES}`;
  }
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `${JSON.stringify(text)} has ${parts.length} field(s); EventBridge Scheduler's cron has 6: ${EXAMPLES}`;
  }
  for (const [index, field] of FIELDS.entries()) {
    const part = parts[index];
    if (!fieldIsValid(part, field)) {
      return `${JSON.stringify(text)}: ${JSON.stringify(part)} is not a valid ${field.name} field (${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''}, with , - * /${field.name.startsWith('day') ? ' ?' : ''}); ${EXAMPLES}`;
    }
  }
  if ((parts[2] === '?') === (parts[4] === '?')) {
    return `${JSON.stringify(text)}: exactly one of day-of-month and day-of-week must be "?"; ${EXAMPLES}`;
  }
  return undefined;
}

function fieldIsValid(part: string, field: CronField): boolean {
  return part.split(',').every((item) => field.special.test(item) || itemIsValid(item, field));
}

function itemIsValid(item: string, field: CronField): boolean {
  const [range, step, ...extra] = item.split('/');
  if (extra.length > 0 || range === undefined || range === '') return false;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) return false;
  if (range === '*') return true;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  const values = bounds.map((bound) => valueOf(bound, field));
  if (values.some((value) => value === undefined)) return false;
  return values.length === 1 || values[0]! <= values[1]!;
}

function valueOf(token: string, field: CronField): number | undefined {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    return value >= field.min && value <= field.max ? value : undefined;
  }
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  return named === -1 ? undefined : named + field.min;
}
