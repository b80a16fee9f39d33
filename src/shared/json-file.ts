/**
 * The one JSON reader for files a user writes (the app's config, the CLI's `--config`): the same
 * broken file gets the same message everywhere. V8's own messages differ between Node versions and
 * some carry no position, so the text is checked here first, iteratively (a file of 10,000 `[`
 * gets an error, not a stack overflow), and only a document that passes goes to JSON.parse.
 */

/** A problem in a JSON text, located for a user to jump to (line and column count from 1). */
export interface JsonProblem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** What is wrong and how to fix it, without the position. */
  readonly message: string;
}

export type JsonReadResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: JsonProblem };

/** Deeper than any config this project reads; a cap keeps JSON.parse and every walker safe. */
export const MAX_JSON_DEPTH = 64;

const SYNTAX_FIX = 'fix the syntax (trailing commas, comments and single quotes are not allowed)';

/** `line 3, column 1: is not valid JSON: ...`, the one rendering of a problem. */
export function formatJsonProblem(problem: JsonProblem): string {
  return `line ${problem.line}, column ${problem.column}: ${problem.message}`;
}

interface Frame {
  readonly kind: 'object' | 'array';
  readonly path: string;
  readonly keys: Set<string>;
  key: string;
  index: number;
}

class Failure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses `text` (a leading byte-order mark is ignored), refusing duplicate keys (JSON.parse would
 * keep the last silently) and nesting deeper than `maxDepth`.
 */
export function readJson(text: string, maxDepth: number = MAX_JSON_DEPTH): JsonReadResult {
  const source = text.replace(/^\uFEFF/, '');
  try {
    scan(source, maxDepth);
  } catch (caught) {
    if (caught instanceof Failure) {
      return { ok: false, problem: locate(source, caught.offset, caught.message) };
    }
    throw caught;
  }
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch {
    // The scanner accepted what JSON.parse refuses (e.g. a lone surrogate): point at the start.
    return { ok: false, problem: locate(source, 0, `is not valid JSON; ${SYNTAX_FIX}`) };
  }
}

function locate(text: string, offset: number, message: string): JsonProblem {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { offset, line, column, message };
}

function pathOf(frame: Frame | undefined): string {
  if (frame === undefined) {
    return '';
  }
  return frame.kind === 'object'
    ? frame.path
      ? `${frame.path}.${frame.key}`
      : frame.key
    : `${frame.path}[${frame.index}]`;
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

function scan(text: string, maxDepth: number): void {
  let at = 0;
  const stack: Frame[] = [];
  const syntax = (message: string): never => {
    const found = at >= text.length ? 'the end of the file' : JSON.stringify(text[at]);
    throw new Failure(at, `is not valid JSON: ${message}, found ${found}; ${SYNTAX_FIX}`);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) {
      at++;
    }
  };
  const string = (): string => {
    const start = at;
    at++; // opening quote
    while (at < text.length && text[at] !== '"') {
      const char = text[at];
      if (char < ' ') {
        syntax('strings cannot contain raw control characters or line breaks');
      }
      if (char === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) {
            syntax('expected four hex digits after \\u');
          }
          at += 4;
        } else if (text[at] === undefined || !'"\\/bfnrt'.includes(text[at])) {
          syntax('bad escape sequence in a string');
        }
      }
      at++;
    }
    if (at >= text.length) {
      at = start;
      throw new Failure(text.length, `is not valid JSON: unterminated string; ${SYNTAX_FIX}`);
    }
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const open = (kind: Frame['kind']) => {
    if (stack.length >= maxDepth) {
      throw new Failure(at, `nests deeper than ${maxDepth} levels; flatten the document`);
    }
    stack.push({ kind, path: pathOf(stack[stack.length - 1]), keys: new Set(), key: '', index: 0 });
    at++;
  };
  const key = () => {
    skipSpace();
    if (text[at] !== '"') {
      syntax('expected a double-quoted property name');
    }
    const start = at;
    const name = string();
    const frame = stack[stack.length - 1];
    if (frame.keys.has(name)) {
      const where = frame.path ? `in ${frame.path}` : 'at the top level';
      throw new Failure(start, `duplicate key ${JSON.stringify(name)} ${where}; keep one of them`);
    }
    frame.keys.add(name);
    frame.key = name;
    skipSpace();
    if (text[at] !== ':') {
      syntax('expected ":" after a property name');
    }
    at++;
  };

  // One loop, no recursion: read a value, then close or continue the containers around it.
  for (;;) {
    skipSpace();
    const char = text[at];
    if (char === '{') {
      open('object');
      skipSpace();
      if (text[at] === '}') {
        at++;
        stack.pop();
      } else {
        key();
        continue;
      }
    } else if (char === '[') {
      open('array');
      skipSpace();
      if (text[at] === ']') {
        at++;
        stack.pop();
      } else {
        continue;
      }
    } else if (char === '"') {
      string();
    } else if (char === 't' || char === 'f' || char === 'n') {
      const word = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
      for (const expected of word) {
        if (text[at] !== expected) {
          syntax(`expected "${word}"`);
        }
        at++;
      }
    } else {
      NUMBER.lastIndex = at;
      const number = NUMBER.exec(text);
      if (number === null) {
        syntax('expected a value (an object, list, string, number, true, false or null)');
      }
      at += number![0].length;
    }

    // After a value: a comma continues the innermost container, its bracket closes it.
    for (;;) {
      skipSpace();
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        if (at < text.length) {
          syntax('unexpected text after the end of the document');
        }
        return;
      }
      const close = frame.kind === 'object' ? '}' : ']';
      if (text[at] === ',') {
        at++;
        if (frame.kind === 'object') {
          key();
        } else {
          frame.index++;
        }
        break;
      }
      if (text[at] === close) {
        at++;
        stack.pop();
        continue;
      }
      syntax(
        frame.kind === 'object'
          ? 'expected "," or "}" after a property value'
          : 'expected "," or "]" after a list element',
      );
    }
  }
}
