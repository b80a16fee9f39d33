/**
 * Faults: 20% of calls failing (10% throttled, 10% 5xx) and root sessions that expire after a
 * second. No account may end wrong: each is compliant, remediated, or failed with a reason, and
 * a rerun without faults converges.
 */
import { generateScenario } from '../../emulator/scenario/generate';
import { desired, startHarness, type EngineHarness } from './helpers';

interface AccountState {
  id: string;
  status: string;
  root: { password: boolean; accessKeys: string[]; signingCertificates: string[]; mfaDevices: unknown[] };
}

const clean = (a: AccountState) =>
  !a.root.password &&
  a.root.accessKeys.length === 0 &&
  a.root.signingCertificates.length === 0 &&
  a.root.mfaDevices.length === 0;

describe('enforce under faults', () => {
  let h: EngineHarness;

  beforeAll(async () => {
    h = await startHarness(generateScenario({ accounts: 30, seed: 11, nonCompliantShare: 0.6 }), {
      faults: { seed: 5, errorRate: 0.1, throttleRate: 0.1, latencyMs: 40, sessionLifetimeSeconds: 1 },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('leaves no account wrong, names every failure, and converges on a rerun', async () => {
    // WHEN
    const first = await h.engine.run(desired({ mode: 'enforce', concurrency: 8 }));

    // THEN every account is accounted for, and its report matches the emulator's state
    const state = (await h.emulator.state()) as { accounts: AccountState[] };
    const byId = new Map(state.accounts.map((a) => [a.id, a]));
    expect(first.summary.total).toBe(state.accounts.length);
    for (const account of first.accounts) {
      if (account.status === 'compliant' || account.status === 'remediated') {
        expect(clean(byId.get(account.accountId)!)).toBe(true);
      } else if (account.status === 'failed') {
        expect(account.error).toEqual(expect.any(String));
        expect(account.error).not.toBe('');
      } else {
        expect(account.status).toBe('skipped');
      }
    }
    const expired = (await h.calls()).filter((c) => c.errorCode === 'ExpiredToken');
    const throttled = (await h.calls()).filter((c) => c.errorCode === 'Throttling');
    expect(throttled.length).toBeGreaterThan(0);
    // Sessions did expire mid-run, and were re-assumed rather than failing the account outright.
    expect(expired.length).toBeGreaterThan(0);

    // WHEN the faults are gone
    await h.emulator.setFaults({ errorRate: 0, throttleRate: 0, latencyMs: 0, sessionLifetimeSeconds: 900 });
    const second = await h.engine.run(desired({ mode: 'enforce', concurrency: 8 }));

    // THEN
    expect(second.summary.failed).toBe(0);
    const after = (await h.emulator.state()) as { accounts: AccountState[] };
    const targeted = after.accounts.filter((a) => a.status === 'ACTIVE' && a.id !== '111111111111');
    expect(targeted.every(clean)).toBe(true);
    expect(second.summary.compliant + second.summary.remediated).toBe(targeted.length);
  }, 120_000);
});
