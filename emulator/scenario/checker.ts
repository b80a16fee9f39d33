/**
 * The scenario checker: collects every problem of a document (field, bad value, fix) so the
 * error lists all of them, plus the small JSON helpers the section parsers share.
 */
import { existsSync, readFileSync } from 'node:fs';

import type { PolicyDocument } from '../model/state';
import { checkPolicyDocument, PolicyParseError, unsupportedOperators } from '../policy/evaluate';
import { isRecord } from '../model/is-record';

export interface ScenarioProblem {
  /** JSON path of the offending field, e.g. `accounts[3].parentId`. */
  field: string;
  /** What is wrong, with the bad value. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly problems: ScenarioProblem[],
    source?: string,
  ) {
    super(
      `${source === undefined ? 'scenario' : `scenario ${source}`} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.field}: ${p.problem}; ${p.fix}`).join('\n'),
    );
    this.name = 'ScenarioError';
  }
}

/** Reads a scenario file as JSON; a missing file or malformed JSON is a ScenarioError, not a stack trace. */
export function readScenarioFile(path: string): unknown {
  if (!existsSync(path)) {
    throw new ScenarioError([
      {
        field: '(file)',
        problem: `no file at ${path}`,
        fix: 'pass the path of a scenario JSON file (see emulator/scenarios/)',
      },
    ]);
  }
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ScenarioError(
      [
        {
          field: '(file)',
          problem: `not valid JSON: ${(error as Error).message}`,
          fix: 'fix the JSON syntax',
        },
      ],
      path,
    );
  }
}

/** Collects problems while walking the document so the error can list all of them. */
export class Checker {
  readonly problems: ScenarioProblem[] = [];

  add(field: string, problem: string, fix: string): void {
    this.problems.push({ field, problem, fix });
  }

  record(value: unknown, field: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.add(field, `expected an object, got ${show(value)}`, 'write a JSON object here');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(`${field}.${key}`, `unknown field ${show(key)}`, `use one of: ${known.join(', ')}`);
      }
    }
    return value;
  }

  string(value: unknown, field: string, fix: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.add(field, `expected a non-empty string, got ${show(value)}`, fix);
      return undefined;
    }
    return value;
  }

  id(value: unknown, field: string, pattern: RegExp, fix: string): string | undefined {
    const text = this.string(value, field, fix);
    if (text !== undefined && !pattern.test(text)) {
      this.add(field, `malformed id ${show(text)} (must match ${pattern.source})`, fix);
      return undefined;
    }
    return text;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(field, `unknown value ${show(value)}`, `use one of: ${allowed.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.add(field, `expected true or false, got ${show(value)}`, 'write a JSON boolean');
      return undefined;
    }
    return value;
  }

  number(value: unknown, field: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.add(
        field,
        `expected a number from ${min} to ${max}, got ${show(value)}`,
        `use a number in ${min}..${max}`,
      );
      return undefined;
    }
    return value;
  }

  date(value: unknown, field: string): Date | undefined {
    if (value === undefined) return undefined;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      this.add(field, `expected an ISO-8601 date, got ${show(value)}`, 'write e.g. "2024-05-01T12:00:00Z"');
      return undefined;
    }
    return date;
  }

  array(value: unknown, field: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.add(field, `expected a list, got ${show(value)}`, 'write a JSON array');
      return [];
    }
    return value as unknown[];
  }

  /** A policy document given as an object or a JSON string; returns the text to store. */
  policy(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    let parsed: unknown;
    try {
      parsed = typeof value === 'string' ? JSON.parse(value) : value;
    } catch (error) {
      this.add(
        field,
        `policy is not valid JSON (${(error as Error).message})`,
        'write the policy as a JSON object',
      );
      return undefined;
    }
    let document: PolicyDocument;
    try {
      document = checkPolicyDocument(parsed);
    } catch (error) {
      if (!(error instanceof PolicyParseError)) throw error;
      this.add(
        field,
        error.message,
        'write an IAM policy document: {"Version": "2012-10-17", "Statement": [...]}',
      );
      return undefined;
    }
    const unsupported = unsupportedOperators(document);
    if (unsupported.length > 0) {
      this.add(
        field,
        `condition operators outside the IAM grammar: ${unsupported.join(', ')}`,
        'use an IAM condition operator (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, NotIpAddress, Arn*, Null; IfExists / ForAnyValue / ForAllValues)',
      );
    }
    return text;
  }
}

/** A count (generate that many) or a list of item objects. */
export function countOrList<T>(
  check: Checker,
  field: string,
  value: unknown,
  build: (item: unknown, field: string) => T | undefined,
): T[] {
  if (value === undefined) return [];
  const items: unknown[] =
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100
      ? Array.from({ length: value }, () => undefined)
      : Array.isArray(value)
        ? (value as unknown[])
        : (check.add(
            field,
            `expected a count or a list, got ${show(value)}`,
            'write a number such as 1 or a list of objects',
          ),
          []);
  const out: T[] = [];
  items.forEach((item, index) => {
    const built = build(item, `${field}[${index}]`);
    if (built !== undefined) out.push(built);
  });
  return out;
}
export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}

/** JSON with sorted keys, so the derived seed does not depend on key order. */
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      isRecord(item)
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((k) => [k, item[k]]),
          )
        : item,
    ) ?? 'undefined'
  );
}

export { isRecord };

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
