import { createHash } from 'node:crypto';
/**
 * Apply fails readably when accounts cannot be made compliant: in the Control Tower scenario
 * the Workloads OU carries AWS-GR_RESTRICT_ROOT_USER without ExemptAssumeRoot, so every root
 * session there is denied. With failOnNonCompliance (the default) the apply-time invocation
 * fails with one line per account and its diagnosis; without it, the report carries them.
 */
import { join } from 'node:path';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { emfMetrics, startBundledLambda, type BundledLambda } from './helpers';

const WORKLOAD_PROD = '333333333333';
const SANDBOX = '555555555555';
const ENFORCE_ALL = { targets: { allAccounts: true }, mode: 'enforce' };

let emulator: RunningEmulator;
let lambda: BundledLambda;

beforeAll(async () => {
  emulator = await startEmulator({
    scenario: join(__dirname, '..', '..', 'emulator', 'scenarios', 'control-tower.json'),
  });
  lambda = await startBundledLambda(emulator, { DESIRED_STATE: JSON.stringify(ENFORCE_ALL) });
});
afterAll(async () => {
  await lambda?.stop();
  await emulator?.stop();
});
beforeEach(async () => {
  await emulator.reset();
});

describe('apply-time failure on accounts that cannot be made compliant', () => {
  it('fails the invocation listing each failed account and why', async () => {
    const { result, error, lines } = await lambda.invoke({
      desiredStateDigest: createHash('sha256').update(JSON.stringify(ENFORCE_ALL)).digest('hex'),
      tf: { action: 'create', prev_input: null },
    });
    expect(result).toBeUndefined();
    expect(error?.name).toBe('NonComplianceError');
    const [headline, ...accountLines] = error!.message.split('\n');
    expect(headline).toMatch(/^\d+ account\(s\) could not be made compliant:$/);
    expect(accountLines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^  - ${WORKLOAD_PROD} \\(workload-prod\\): .*(service control policy|SCP)`, 'i'),
      ),
    );
    expect(error!.message).not.toContain(SANDBOX);
    // The accounts that could be fixed were fixed before the failure was raised.
    const metrics = emfMetrics(lines);
    expect(metrics['RootAccess/AccountsFailed']).toBe(accountLines.length);
    expect(metrics['RootAccess/AccountsRemediated']).toBeGreaterThanOrEqual(1);
  });

  it('returns the report instead when failOnNonCompliance is false', async () => {
    const { result, error } = await lambda.invoke({
      desiredStateDigest: createHash('sha256').update(JSON.stringify(ENFORCE_ALL)).digest('hex'),
      failOnNonCompliance: false,
      tf: { action: 'create', prev_input: null },
    });
    expect(error).toBeUndefined();
    const accounts = result!['accounts'] as { accountId: string; status: string; error?: string }[];
    expect(accounts.find((a) => a.accountId === WORKLOAD_PROD)).toMatchObject({
      status: 'failed',
      error: expect.any(String) as unknown,
    });
    expect(accounts.find((a) => a.accountId === SANDBOX)?.status).toBe('remediated');
  });

  it('does not fail a scheduled run for failed accounts: the AccountsFailed metric and alarm report them', async () => {
    const { result, error, lines } = await lambda.invoke({ source: 'root-access.schedule' });
    expect(error).toBeUndefined();
    expect((result!['summary'] as Record<string, number>)['failed']).toBeGreaterThanOrEqual(1);
    expect(emfMetrics(lines)['RootAccess/AccountsFailed']).toBeGreaterThanOrEqual(1);
  });
});
