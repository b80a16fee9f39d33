/**
 * The engine against the emulator, over HTTP with the real SDK v3 clients: call budgets, removal,
 * idempotency, zero-mutation guarantees and the report's skip/exclusion lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CallRecord } from '../../emulator/model/state';
import { MANAGEMENT, callsTo, desired, startHarness, type EngineHarness } from './helpers';

const DEFAULT_SCENARIO = join(__dirname, '../../emulator/scenarios/default.json');
const AUDIT_POLICY = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

interface RootState {
  password: boolean;
  accessKeys: string[];
  signingCertificates: string[];
  mfaDevices: Array<{ serialNumber: string; kind: string }>;
  unassignedVirtualMfaDevices: string[];
}

async function rootOf(h: EngineHarness, accountId: string): Promise<RootState> {
  const state = (await h.emulator.state()) as { accounts: Array<{ id: string; root: RootState }> };
  const account = state.accounts.find((a) => a.id === accountId);
  if (account === undefined) throw new Error(`no account ${accountId} in the emulator`);
  return account.root;
}

const brief = (calls: readonly CallRecord[]) => calls.map((c) => `${c.service}:${c.action}`);
const mutating = (calls: readonly CallRecord[]) => calls.filter((c) => c.mutating);

describe('engine against the emulator (default scenario)', () => {
  let h: EngineHarness;

  beforeAll(async () => {
    h = await startHarness(DEFAULT_SCENARIO);
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(async () => {
    await h.emulator.reset();
    await h.emulator.clearCalls();
  });

  it('spends exactly one AssumeRoot and one GetAccountSummary on a compliant account', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }));

    // THEN
    expect(report.accounts.filter((a) => a.accountId === '222222222222')).toEqual([
      {
        accountId: '222222222222',
        accountName: 'security-tooling',
        status: 'compliant',
        credentials: { password: false, accessKeys: 0, signingCertificates: 0, mfaDevices: 0 },
        actions: [],
      },
    ]);
    const calls = callsTo(await h.calls(), '222222222222');
    expect(brief(calls)).toEqual(['sts:AssumeRoot', 'iam:GetAccountSummary']);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    expect(calls[1]?.taskPolicyArn).toBe(AUDIT_POLICY);
  });

  it('audits with zero mutating calls and reports counts of what it found', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'audit' }));

    // THEN
    expect(mutating(await h.calls())).toEqual([]);
    expect(report.summary).toMatchObject({ compliant: 3, 'non-compliant': 4, skipped: 2, total: 9 });
    expect(report.accounts.find((a) => a.accountId === '555555555555')).toMatchObject({
      status: 'non-compliant',
      credentials: { password: true, accessKeys: 0, signingCertificates: 0, mfaDevices: 3 },
      actions: [],
    });
  });

  it('plans removals in dry-run with zero mutating calls', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce', dryRun: true }));

    // THEN
    expect(mutating(await h.calls())).toEqual([]);
    expect(report.dryRun).toBe(true);
    const account = report.accounts.find((a) => a.accountId === '444444444444');
    expect(account?.status).toBe('non-compliant');
    expect(account?.actions).toEqual([
      { kind: 'delete-access-key', target: 'AKIAPRODWEBROOT00001', outcome: 'planned' },
      { kind: 'delete-access-key', target: 'AKIAPRODWEBROOT00002', outcome: 'planned' },
      { kind: 'delete-signing-certificate', target: expect.any(String), outcome: 'planned' },
    ]);
    expect((await rootOf(h, '444444444444')).accessKeys).toHaveLength(2);
  });

  it('removes password, keys, certificates and MFA devices, verifies, and leaves none in the emulator', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }));

    // THEN
    expect(report.summary).toMatchObject({ compliant: 3, remediated: 4, failed: 0, skipped: 2 });
    // Virtual MFA devices are deactivated and stay in the account unassigned: root sessions may
    // not delete them since AWS took iam:DeleteVirtualMFADevice out of the task policy (2025-01-07).
    const virtualDevices: Record<string, number> = { '555555555555': 1 };
    for (const id of ['333333333333', '444444444444', '555555555555', '777777777777']) {
      const root = await rootOf(h, id);
      expect({ id, ...root, unassignedVirtualMfaDevices: root.unassignedVirtualMfaDevices.length }).toEqual({
        id,
        password: false,
        accessKeys: [],
        signingCertificates: [],
        mfaDevices: [],
        unassignedVirtualMfaDevices: virtualDevices[id] ?? root.unassignedVirtualMfaDevices.length,
      });
    }
    const mfa = report.accounts.find((a) => a.accountId === '555555555555');
    expect(mfa?.credentials).toEqual({
      password: true,
      accessKeys: 0,
      signingCertificates: 0,
      mfaDevices: 3,
    });
    expect(mfa?.actions.map((a) => `${a.kind} ${a.outcome}`)).toEqual([
      'delete-login-profile done',
      'deactivate-mfa-device done',
      'deactivate-mfa-device done',
      'deactivate-mfa-device done',
    ]);
    const virtual = mfa?.actions.find((a) => a.target?.includes(':mfa/'));
    expect(virtual?.detail).toMatch(/stays in the account unassigned .* no longer a root credential/);
    expect(mfa?.warnings).toBeUndefined();
    expect((await h.calls()).filter((c) => c.action === 'DeleteVirtualMFADevice')).toEqual([]);
    // Verification is a fresh audit session's GetAccountSummary, after the delete session.
    const calls = callsTo(await h.calls(), '333333333333');
    expect(brief(calls)).toEqual([
      'sts:AssumeRoot',
      'iam:GetAccountSummary',
      'sts:AssumeRoot',
      'iam:GetLoginProfile',
      'iam:DeleteLoginProfile',
      'sts:AssumeRoot',
      'iam:GetAccountSummary',
    ]);
  });

  it('makes zero mutating calls on a second enforce run', async () => {
    // GIVEN
    await h.engine.run(desired({ mode: 'enforce' }));
    await h.emulator.clearCalls();

    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }));

    // THEN
    expect(mutating(await h.calls())).toEqual([]);
    expect(report.summary).toMatchObject({ compliant: 7, remediated: 0, failed: 0 });
  });

  it('never calls an excluded account and only audits a break-glass one', async () => {
    // GIVEN a window inside the 30-day cap on break-glass windows
    const until = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    until.setUTCMilliseconds(0);

    // WHEN
    const report = await h.engine.run(
      desired({
        mode: 'enforce',
        exclusions: { accountIds: ['777777777777'], organizationalUnitIds: ['ou-ex12-prod0001'] },
        breakGlass: [{ accountId: '555555555555', until: until.toISOString(), reason: 'INC-42 restore' }],
      }),
    );

    // THEN
    const calls = await h.calls();
    for (const id of ['777777777777', '333333333333', '444444444444']) {
      expect(callsTo(calls, id)).toEqual([]);
      expect(report.accounts.find((a) => a.accountId === id)?.status).toBe('excluded');
    }
    expect(brief(callsTo(calls, '555555555555'))).toEqual(['sts:AssumeRoot', 'iam:GetAccountSummary']);
    expect(report.accounts.find((a) => a.accountId === '555555555555')).toMatchObject({
      status: 'break-glass',
      reason: `break-glass until ${until.toISOString()} (INC-42 restore): audited, never changed`,
      credentials: { password: true, mfaDevices: 1 },
    });
    expect((await rootOf(h, '555555555555')).password).toBe(true);
  });

  it('skips the management account, closed and unknown ids with reasons and zero calls against them', async () => {
    // WHEN
    const report = await h.engine.run(
      desired({
        mode: 'enforce',
        targets: { accountIds: [MANAGEMENT, '888888888888', '123456789012', '333333333333'] },
      }),
    );

    // THEN
    const reasons = Object.fromEntries(
      report.accounts.map((a) => [a.accountId, `${a.status}: ${a.reason ?? ''}`]),
    );
    expect(reasons[MANAGEMENT]).toMatch(
      /^skipped: 111111111111 is the management account: AssumeRoot cannot reach it/,
    );
    expect(reasons['888888888888']).toMatch(/^skipped: account is (CLOSED|SUSPENDED)/);
    expect(reasons['123456789012']).toBe(
      'skipped: 123456789012 is not a member of organization o-exampleorg1',
    );
    expect(report.accounts.find((a) => a.accountId === '333333333333')?.status).toBe('remediated');
    // Only Organizations' own DescribeAccount (the caller reading its organization) names them.
    const inAccount = (id: string) => callsTo(calls, id).filter((c) => c.service !== 'organizations');
    const calls = await h.calls();
    expect(inAccount('888888888888')).toEqual([]);
    expect(inAccount('123456789012')).toEqual([]);
    expect(inAccount(MANAGEMENT)).toEqual([]);
  });

  it('defers every account when the deadline is already near, and drops none', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }), { deadline: Date.now() + 30_000 });

    // THEN
    expect(report.summary).toMatchObject({ deferred: 7, skipped: 2, total: 9 });
    expect((await h.calls()).filter((c) => c.action === 'AssumeRoot')).toEqual([]);
  });

  it('counts and removes only the credential kinds asked for', async () => {
    // WHEN
    const report = await h.engine.run(
      desired({
        mode: 'enforce',
        credentialKinds: ['accessKeys'],
        targets: { accountIds: ['777777777777', '333333333333'] },
      }),
    );

    // THEN
    expect(report.accounts.map((a) => `${a.accountId} ${a.status}`)).toEqual([
      '333333333333 compliant',
      '777777777777 remediated',
    ]);
    expect(report.accounts[1]?.actions.map((a) => a.kind)).toEqual(['delete-access-key']);
    const root = await rootOf(h, '777777777777');
    expect(root.accessKeys).toEqual([]);
    expect(root.password).toBe(true);
  });

  it('continues onlyAccountIds and keeps AssumeRoot credentials out of logs and reports', async () => {
    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }), { onlyAccountIds: ['555555555555'] });

    // THEN
    expect(report.accounts.map((a) => a.accountId)).toEqual(['555555555555']);
    const text = JSON.stringify({ report, logs: h.logger.lines });
    expect(text).not.toMatch(/ASIA[A-Z0-9]{8,}/);
    expect(text).not.toMatch(/secretAccessKey|sessionToken|SessionToken|SecretAccessKey/);
  });
});

describe('engine against the emulator: a virtual MFA device under an SCP that denies deleting it', () => {
  let h: EngineHarness;

  beforeAll(async () => {
    // The same organization, with an SCP that denies deleting virtual MFA devices to everyone.
    const scenario = JSON.parse(readFileSync(DEFAULT_SCENARIO, 'utf8')) as { policies?: unknown[] };
    scenario.policies = [
      ...(scenario.policies ?? []),
      {
        id: 'p-nomfadelete1',
        name: 'deny-virtual-mfa-delete',
        content: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:DeleteVirtualMFADevice', Resource: '*' }],
        },
        targets: ['ou-ex12-dev00001'],
      },
    ];
    h = await startHarness(scenario);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('never calls DeleteVirtualMFADevice, raises no warning, and leaves the deactivated device unassigned', async () => {
    // WHEN
    const report = await h.engine.run(
      desired({ mode: 'enforce', targets: { accountIds: ['555555555555'] } }),
    );

    // THEN
    const account = report.accounts[0];
    expect(account?.status).toBe('remediated');
    expect(account?.warnings).toBeUndefined();
    expect(account?.actions.filter((a) => a.outcome !== 'done')).toEqual([]);
    expect((await h.calls()).filter((c) => c.action === 'DeleteVirtualMFADevice')).toEqual([]);
    const root = await rootOf(h, '555555555555');
    expect(root.mfaDevices).toEqual([]);
    expect(root.unassignedVirtualMfaDevices).toHaveLength(1);
  });
});
