/**
 * docs/aws-behaviour.md is where the AWS behaviour the code relies on is written down, each fact
 * under an `<a id="...">` anchor with its source and a mark. Comments point there as
 * `docs/aws-behaviour.md#<anchor>`; a pointer to an anchor that does not exist, or to the page
 * without an anchor, or to the research notes outside the repository, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DOC = 'docs/aws-behaviour.md';
const SCANNED = ['src', 'emulator', 'app', 'scripts', 'bench', 'bin', '__tests__'];
const MARKS = ['confirmed', 'inferred', 'unconfirmed'];

/** The anchors a markdown text declares with `<a id="...">`, in order. */
export function anchorsOf(markdown: string): string[] {
  return [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]);
}

/**
 * Every problem with the pointers in `text`: an anchor the doc lacks, a pointer with no anchor, a
 * pointer into the out-of-repository research notes. Each names the file, line and the fix.
 */
export function pointerProblems(file: string, text: string, anchors: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    for (const match of line.matchAll(/docs\/aws-behaviour\.md(#([\w-]*))?/g)) {
      const anchor = match[2];
      if (anchor === undefined || anchor === '') {
        problems.push(`${where}: points to ${DOC} without an anchor; write ${DOC}#<anchor>`);
      } else if (!anchors.has(anchor)) {
        problems.push(`${where}: ${DOC}#${anchor} does not exist; add the fact to ${DOC} or fix the anchor`);
      }
    }
    if (/shared\/reference|\breference (?:§|\d+(?:\.\d+)?\b)|reference notes|\(§\d/i.test(line)) {
      problems.push(`${where}: points to research notes outside the repository; point to ${DOC}#<anchor>`);
    }
  });
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : sourceFiles(path);
    }
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

const doc = readFileSync(join(ROOT, DOC), 'utf8');
const anchors = anchorsOf(doc);

describe(`${DOC}`, () => {
  it('declares each anchor once, and every fact under it carries a mark', () => {
    // GIVEN the anchors and the text between one anchor and the next
    const duplicates = anchors.filter((anchor, index) => anchors.indexOf(anchor) !== index);
    const sections = doc.split(/<a id="[^"]+"><\/a>/).slice(1);

    // THEN
    expect(anchors.length).toBeGreaterThan(30);
    expect(duplicates).toEqual([]);
    const unmarked = anchors.filter(
      (_, index) => !MARKS.some((mark) => (sections[index] ?? '').includes(`**${mark}**`)),
    );
    expect(unmarked).toEqual([]);
  });

  it('links only to its own anchors', () => {
    // GIVEN every in-page link
    const links = [...doc.matchAll(/\]\(#([\w-]+)\)/g)].map((match) => match[1]);

    // THEN
    expect(links.filter((link) => !anchors.includes(link))).toEqual([]);
  });

  it('is what every comment pointer in the tree resolves to', () => {
    // GIVEN every source and test file
    const known = new Set(anchors);
    const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).filter(
      (file) => file !== __filename,
    );
    const pointing = files.filter((file) => readFileSync(file, 'utf8').includes(`${DOC}#`));

    // WHEN
    const problems = files.flatMap((file) =>
      pointerProblems(relative(ROOT, file), readFileSync(file, 'utf8'), known),
    );

    // THEN no pointer dangles, and the code does point here (the check is not vacuous)
    expect(problems).toEqual([]);
    expect(pointing.length).toBeGreaterThan(10);
  });

  it('catches a dangling anchor, a bare pointer and a pointer outside the repository', () => {
    // GIVEN a file with one good pointer and three bad ones
    const known = new Set(['root-features']);
    const text = [
      '// see docs/aws-behaviour.md#root-features',
      '// see docs/aws-behaviour.md#no-such-fact',
      '// (docs/aws-behaviour.md, "Schedule expressions")',
      '// [U] reference 5.4: the exact message is unknown',
    ].join('\n');

    // WHEN
    const problems = pointerProblems('x.ts', text, known);

    // THEN each bad line is named, with the fix
    expect(problems).toEqual([
      `x.ts:2: ${DOC}#no-such-fact does not exist; add the fact to ${DOC} or fix the anchor`,
      `x.ts:3: points to ${DOC} without an anchor; write ${DOC}#<anchor>`,
      `x.ts:4: points to research notes outside the repository; point to ${DOC}#<anchor>`,
    ]);
  });
});
