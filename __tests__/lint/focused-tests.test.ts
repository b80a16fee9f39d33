/**
 * The tier sequencer refuses a run with a focused test in it (it would silently skip the rest of
 * its file). The focused calls below are assembled at run time, so this file itself passes the guard.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sequencer is CommonJS, loaded as jest loads it
const { assertNoFocusedTests } = require('../support/tier-sequencer.js') as {
  assertNoFocusedTests: (paths: readonly string[]) => void;
};

describe('focused-test guard (__tests__/support/tier-sequencer.js)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'focused-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const ONLY = ['', 'only'].join('.');
  it.each([
    [`it${ONLY}('x', () => {});`],
    [`  test${ONLY}.each([[1]])('x', () => {});`],
    [`describe${ONLY}('x', () => {});`],
    [`${'f'}it('x', () => {});`],
    [`${'f'}describe('x', () => {});`],
  ])('refuses %s, naming the file and line', (line) => {
    // GIVEN
    const file = join(dir, 'focused.test.ts');
    writeFileSync(file, `// a test file\n${line}\n`);

    // WHEN / THEN
    expect(() => assertNoFocusedTests([file])).toThrow(`${file}:2: ${line.trim()}`);
  });

  it('accepts ordinary tests and names that merely contain "only" or "fit"', () => {
    // GIVEN
    const file = join(dir, 'plain.test.ts');
    writeFileSync(file, `it('x', () => {});\nconst onlyOne = 1;\nbenefit(onlyOne);\nobj.it${ONLY};\n`);

    // WHEN / THEN
    expect(() => assertNoFocusedTests([file])).not.toThrow();
  });
});
