// Runs the test tiers in order of cost, so a cheap failure shows before the slow Terraform tiers start.
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

class TierSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => tierOf(a.path) - tierOf(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = TierSequencer;
