import { readFileSync } from 'node:fs';

import { isRecord } from '../shared/is-record';
import { formatJsonProblem, readJson } from '../shared/json-file';
import { UsageError } from './exit-codes';

// targeting.ts reads the guard from here.
export { isRecord };

/** Where the desired-state document sits inside a file given to `--config`. */
export interface ConfigDocument {
  /** The file as named on the command line, for error lines. */
  readonly file: string;
  /** The desired-state document (unvalidated). */
  readonly document: Record<string, unknown>;
  /** Dotted path of the document inside the file (`enforcement` for a `root-access.config.json`), or ''. */
  readonly prefix: string;
}

export type ReadFile = (path: string) => string;

export const readUtf8File: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Reads the file the cdktf app reads (`root-access.config.json`, whose `enforcement` section is a
 * desired-state document) or a bare desired-state document. Told apart by their top-level keys,
 * so one file serves the app and the tool.
 */
export function loadConfigFile(file: string, readFile: ReadFile = readUtf8File): ConfigDocument {
  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    throw new UsageError(`--config: cannot read ${file}: ${describeFsError(error)}`);
  }
  const parsed = parseJson(text, file);
  if (!isRecord(parsed)) {
    throw new UsageError(`${file}: expected a JSON object at the top level, got ${kindOf(parsed)}`);
  }
  if ('targets' in parsed) {
    return { file, document: parsed, prefix: '' };
  }
  if ('enforcement' in parsed) {
    const section = parsed['enforcement'];
    if (!isRecord(section)) {
      throw new UsageError(
        `${file}: enforcement: got ${kindOf(section)}; expected an object (a desired-state document)`,
      );
    }
    return { file, document: section, prefix: 'enforcement' };
  }
  throw new UsageError(
    `${file}: has neither "targets" (a desired-state document) nor "enforcement" (a root-access.config.json with a desired-state section); add one of them`,
  );
}

/** The shared JSON reader's verdict, as a usage error naming the file, line and column. */
export function parseJson(text: string, file: string): unknown {
  const read = readJson(text);
  if (!read.ok) {
    throw new UsageError(`${file}: ${formatJsonProblem(read.problem)}`);
  }
  return read.value;
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') {
    return 'no such file';
  }
  if (code === 'EISDIR') {
    return 'it is a directory';
  }
  if (code === 'EACCES') {
    return 'permission denied';
  }
  return error instanceof Error ? error.message : String(error);
}

function kindOf(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
