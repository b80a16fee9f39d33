/**
 * The one JSON reader (src/shared/json-file.ts): located syntax errors, duplicate keys, a depth
 * cap, no recursion, and the same message from the app and the CLI for the same broken file.
 */
import { parseAppConfig, formatConfigIssue } from '../../app/config';
import { loadConfigFile } from '../../src/cli/config-file';
import { formatJsonProblem, MAX_JSON_DEPTH, readJson } from '../../src/shared/json-file';

function problemOf(text: string): string {
  const read = readJson(text);
  expect(read.ok).toBe(false);
  return read.ok ? '' : formatJsonProblem(read.problem);
}

describe('"organization": null in the app config', () => {
  it('is an error naming the field, not read as {}', () => {
    // GIVEN / WHEN
    const result = parseAppConfig('{"organization": null}');

    // THEN
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((issue) => formatConfigIssue('c.json', issue))).toEqual([
      'c.json: organization: got null; expected an object (leave "organization" out to use the defaults)',
    ]);
  });
});

describe('readJson', () => {
  it('parses a valid document, ignoring a byte-order mark', () => {
    // GIVEN / WHEN
    const read = readJson('\uFEFF{"a": [1, {"b": null}], "c": "x\\u0041"}');

    // THEN
    expect(read).toEqual({ ok: true, value: { a: [1, { b: null }], c: 'xA' } });
  });

  it('refuses 10,000 unclosed "[" with a clear error, not a stack overflow', () => {
    // GIVEN
    const text = '['.repeat(10_000);

    // WHEN / THEN
    expect(problemOf(text)).toBe(
      `line 1, column ${MAX_JSON_DEPTH + 1}: nests deeper than ${MAX_JSON_DEPTH} levels; flatten the document`,
    );
  });

  it('refuses a duplicate key, naming the key and where it is', () => {
    // GIVEN / WHEN / THEN
    expect(problemOf('{\n  "enforcement": {},\n  "enforcement": {"mode": "enforce"}\n}')).toBe(
      'line 3, column 3: duplicate key "enforcement" at the top level; keep one of them',
    );
    expect(problemOf('{"a": {"list": [{"k": 1, "k": 2}]}}')).toBe(
      'line 1, column 26: duplicate key "k" in a.list[0]; keep one of them',
    );
  });

  it('accepts the same key in different objects', () => {
    // GIVEN / WHEN / THEN
    expect(readJson('[{"k": 1}, {"k": 2}]')).toEqual({ ok: true, value: [{ k: 1 }, { k: 2 }] });
  });

  it.each([
    ['[1,]', 'line 1, column 4: is not valid JSON: expected a value'],
    ['{"a": 1} x', 'line 1, column 10: is not valid JSON: unexpected text after the end of the document'],
    ['[1 2]', 'line 1, column 4: is not valid JSON: expected "," or "]" after a list element, found "2"'],
    ['{"a" 1}', 'line 1, column 6: is not valid JSON: expected ":" after a property name'],
    ['"\\x"', 'line 1, column 3: is not valid JSON: bad escape sequence in a string'],
    ['tru', 'line 1, column 4: is not valid JSON: expected "true", found the end of the file'],
  ])('locates %p', (text, message) => {
    // GIVEN / WHEN / THEN
    expect(problemOf(text)).toContain(message);
  });

  it('gives the app and the CLI the same message for the same broken file', () => {
    // GIVEN
    const broken = '{\n  "enforcement": {\n    "targets": { "allAccounts": true, }\n  }\n}\n';

    // WHEN
    const app = parseAppConfig(broken);
    let cli = '';
    try {
      loadConfigFile('c.json', () => broken);
    } catch (error) {
      cli = (error as Error).message;
    }

    // THEN
    expect(app.ok).toBe(false);
    const appLine = app.ok ? '' : formatConfigIssue('c.json', app.errors[0]);
    expect(appLine).toBe(
      'c.json: line 3, column 39: is not valid JSON: expected a double-quoted property name, found "}"; fix the syntax (trailing commas, comments and single quotes are not allowed)',
    );
    expect(cli).toBe(appLine);
  });
});
