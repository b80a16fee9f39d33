// Runs the test tiers in order of cost, so a cheap failure shows before the slow Terraform tiers start.
const { readFileSync } = require('node:fs');

const Sequencer = require('@jest/test-sequencer').default;

const TIER_ORDER = [
  'constructs',
  'app',
  'lint',
  'emulator',
  'engine',
  'cli',
  'lambda',
  'bundle',
  'package',
  'terraform',
];

function tierOf(path) {
  const match = /__tests__[\\/]([^\\/]+)[\\/]/.exec(path);
  const index = match ? TIER_ORDER.indexOf(match[1]) : -1;
  return index === -1 ? TIER_ORDER.length : index;
}

// A focused test (`it.only`, `describe.only`, `fit`, `fdescribe`) silently skips the rest of its
// file, so a green run would prove less than it says; every run (npm test and test:fast) refuses one.
const FOCUSED = /(?:^|[^\w.$])(?:(?:it|test|describe)\s*\.\s*only\b|(?:fit|fdescribe|ftest)\s*\()/;

/** Throws, naming each file and line, when any of `paths` holds a focused test. */
function assertNoFocusedTests(paths) {
  const found = [];
  for (const path of paths) {
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (FOCUSED.test(line)) {
          found.push(`${path}:${index + 1}: ${line.trim()}`);
        }
      });
  }
  if (found.length > 0) {
    throw new Error(
      `focused tests would skip the rest of their files; remove ".only" / the "f" prefix:\n${found.join('\n')}`,
    );
  }
}

class TierSequencer extends Sequencer {
  sort(tests) {
    assertNoFocusedTests(tests.map((test) => test.path));
    return [...tests].sort((a, b) => tierOf(a.path) - tierOf(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = TierSequencer;
module.exports.assertNoFocusedTests = assertNoFocusedTests;
