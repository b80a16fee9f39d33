/**
 * Every test tier runs in `npm test`, cheapest first (see __tests__/support/tier-sequencer.js):
 * constructs, emulator conformance, engine, command-line tool, handler, Terraform validate, Terraform apply.
 * `npm run test:fast` is the inner loop: no lint, no package tier, no Terraform tiers. The sequencer
 * refuses any run that holds a focused test (`.only`, `fit`).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/__tests__/support/global-setup.js',
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/setup.ts'],
  testSequencer: '<rootDir>/__tests__/support/tier-sequencer.js',
  maxWorkers: 2,
  testTimeout: 60_000,
  snapshotSerializers: [],
};
