/**
 * Root sessions share a few long-lived IAM clients (one per worker) whose credentials provider
 * hands out the session that currently holds the client. These tests prove the credentials never
 * cross accounts: every call in the emulator's log is signed by a session of the very account it
 * acts on, with the task policy the engine meant for that step, under concurrency and with
 * sessions expiring mid-account.
 */
import { STSClient } from '@aws-sdk/client-sts';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import type { CallRecord } from '../../emulator/model/state';
import { generateScenario } from '../../emulator/scenario/generate';
import type { AccountReport } from '../../src/engine';
import { SessionClient, withSession } from '../../src/engine/session';
import { desired, recordingLogger, startHarness, type EngineHarness } from './helpers';

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
const DELETE = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';

const ACTION_CALLS: Record<string, string> = {
  'delete-login-profile': 'DeleteLoginProfile',
  'delete-access-key': 'DeleteAccessKey',
  'delete-signing-certificate': 'DeleteSigningCertificate',
  'deactivate-mfa-device': 'DeactivateMFADevice',
  'delete-virtual-mfa-device': 'DeleteVirtualMFADevice',
};

interface AccountState {
  id: string;
  root: { password: boolean; accessKeys: string[]; signingCertificates: string[]; mfaDevices: unknown[] };
}

/** Root-session calls (those signed with AssumeRoot credentials), grouped by the account whose session signed them. */
function rootSessionCalls(calls: readonly CallRecord[]): Map<string, CallRecord[]> {
  const byAccount = new Map<string, CallRecord[]>();
  for (const call of calls) {
    if (call.taskPolicyArn === undefined) continue;
    // The signer is a root session of the account the call is logged against, never another's.
    expect(call.principalArn).toBe(`arn:aws:iam::${call.accountId ?? ''}:root`);
    const list = byAccount.get(call.accountId ?? '') ?? [];
    list.push(call);
    byAccount.set(call.accountId ?? '', list);
  }
  return byAccount;
}

/** What the account's own sessions must have done, from its report: nothing more, nothing less. */
function expectOwnSessionsOnly(report: AccountReport, calls: readonly CallRecord[] | undefined): void {
  const brief = (calls ?? []).filter((c) => c.status === 200).map((c) => `${c.action} ${c.taskPolicyArn}`);
  const audit = `GetAccountSummary ${AUDIT}`;
  if (report.status === 'compliant') {
    expect({ account: report.accountId, calls: brief }).toEqual({
      account: report.accountId,
      calls: [audit],
    });
    return;
  }
  expect(report.status).toBe('remediated');
  const mutations = (calls ?? []).filter((c) => c.mutating && c.status === 200).map((c) => c.action);
  expect({ account: report.accountId, mutations }).toEqual({
    account: report.accountId,
    mutations: report.actions.filter((a) => a.outcome === 'done').map((a) => ACTION_CALLS[a.kind]),
  });
  expect(brief[0]).toBe(audit);
  expect(brief[brief.length - 1]).toBe(audit);
  for (const middle of brief.slice(1, -1)) expect(middle).toMatch(new RegExp(` ${DELETE}$`));
}

describe('root sessions on shared per-worker clients', () => {
  let h: EngineHarness;
  let before: Map<string, AccountState>;

  beforeAll(async () => {
    // Latency keeps many accounts' sessions open at once across the workers.
    h = await startHarness(generateScenario({ accounts: 48, seed: 23, nonCompliantShare: 0.5 }), {
      faults: { latencyMs: 15 },
    });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(async () => {
    await h.emulator.reset();
    await h.emulator.setFaults({ latencyMs: 15, errorRate: 0, throttleRate: 0, sessionLifetimeSeconds: 900 });
    await h.emulator.clearCalls();
    const state = (await h.emulator.state()) as { accounts: AccountState[] };
    before = new Map(state.accounts.map((a) => [a.id, a]));
  });

  it("signs every call with the session of the account it acts on, and reports each account's own credentials", async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce', concurrency: 8 }));

    // THEN
    const calls = await h.calls();
    const byAccount = rootSessionCalls(calls);
    const members = report.accounts.filter((a) => a.status !== 'skipped');
    expect(members.length).toBe(48);
    expect(members.filter((a) => a.status === 'remediated').length).toBeGreaterThan(10);
    for (const account of members) {
      expectOwnSessionsOnly(account, byAccount.get(account.accountId));
      const root = before.get(account.accountId)!.root;
      // Counts are this account's own, not whichever session the client held before.
      expect({ id: account.accountId, found: account.credentials }).toEqual({
        id: account.accountId,
        found: {
          password: root.password,
          accessKeys: root.accessKeys.length,
          signingCertificates: root.signingCertificates.length,
          mfaDevices: root.mfaDevices.length,
        },
      });
      const assumes = calls.filter((c) => c.action === 'AssumeRoot' && c.accountId === account.accountId);
      expect(assumes.length).toBe(account.status === 'compliant' ? 1 : 3);
    }
  });

  it('keeps sessions apart when they expire mid-account and are re-assumed', async () => {
    // GIVEN sessions that live one second, with calls slow enough to outlive some of them
    await h.emulator.setFaults({ latencyMs: 120, sessionLifetimeSeconds: 1 });

    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce', concurrency: 8 }));

    // THEN
    const calls = await h.calls();
    expect(calls.filter((c) => c.errorCode === 'ExpiredToken').length).toBeGreaterThan(0);
    const byAccount = rootSessionCalls(calls);
    for (const account of report.accounts.filter((a) => a.status !== 'skipped')) {
      expect(['compliant', 'remediated']).toContain(account.status);
      expectOwnSessionsOnly(account, byAccount.get(account.accountId));
    }
  });
});

describe('SessionClient', () => {
  let emulator: RunningEmulator;
  let member = '';

  beforeAll(async () => {
    const scenario = generateScenario({ accounts: 3, seed: 5, nonCompliantShare: 0 }) as {
      accounts: Array<{ id: string }>;
    };
    emulator = await startEmulator({ scenario });
    process.env['AWS_ENDPOINT_URL'] = emulator.endpoint;
    member = scenario.accounts.map((a) => a.id).find((id) => id !== '111111111111') ?? '';
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('lends its client to one session at a time and forgets the credentials when it closes', async () => {
    let provider: (() => Promise<unknown>) | undefined;
    const lent = new SessionClient((credentials) => {
      provider = credentials as () => Promise<unknown>;
      return { name: 'client' };
    });
    // AssumeRoot goes through the STS client's configuration (src/engine/hot-path.ts), so the
    // session comes from the emulator, not from a stubbed `send`.
    const sts = new STSClient({
      region: emulator.region,
      credentials: { ...emulator.managementCredentials },
    });
    const deps = { sts, logger: recordingLogger() };
    const credentials = {
      accessKeyId: expect.stringMatching(/^ASIA/) as unknown,
      secretAccessKey: expect.any(String) as unknown,
      sessionToken: expect.any(String) as unknown,
    };

    await expect(provider!()).rejects.toThrow('no root session holds this client');
    await withSession(deps, member, 'IAMAuditRootUserCredentials', lent, async (session) => {
      const identity = (await provider!()) as Record<string, unknown>;
      expect(identity).toMatchObject(credentials);
      // Expired on arrival: the SDK's identity cache must ask again for the next request.
      expect((identity['expiration'] as Date).getTime()).toBeLessThanOrEqual(Date.now());
      await expect(session.call(async (client) => client)).resolves.toEqual({ name: 'client' });
      // A second session cannot take the client while the first holds it.
      await expect(
        withSession(
          { sts, logger: recordingLogger() },
          '333333333333',
          'IAMAuditRootUserCredentials',
          lent,
          async () => 1,
        ),
      ).rejects.toThrow('already held');
    });
    await expect(provider!()).rejects.toThrow('no root session holds this client');
  });
});
