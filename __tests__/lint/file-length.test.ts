/**
 * No source file outside the tests grows past 600 lines: past that, a file holds more than one
 * job and its reader loses the thread. Split it by job (see src/README.md) rather than raise this.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const MAX_LINES = 600;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
// Generated or vendored text, not code a maintainer reads as written.
const EXEMPT = [/^__tests__\//, /^modules\//, /^dist\//, /\.d\.ts$/];

function trackedSourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => SOURCE.test(file) && !EXEMPT.some((pattern) => pattern.test(file)));
}

describe('source file length', () => {
  it(`keeps every source file outside the tests at ${MAX_LINES} lines or fewer`, () => {
    // GIVEN
    const files = trackedSourceFiles();
    expect(files.length).toBeGreaterThan(50);

    // WHEN
    const tooLong = files
      .map((file) => ({ file, lines: readFileSync(path.join(REPO, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);

    // THEN
    expect(tooLong).toEqual([]);
  });
});
