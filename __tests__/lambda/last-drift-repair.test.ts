/**
 * The last drift repair's record: the built bundle writes it to the enforcer's SSM parameter
 * after a repair (also one that then fails) and the plan-time audit reads it back, as the same
 * value, so `enforcement_report` can show it on every later plan. Against the emulator with moto
 * behind it (SSM is forwarded), with the real SDK reading what the function wrote, and the
 * function signing as a role session held to the enforcer's generated policy (the emulator
 * evaluates a declared principal's identity policies on forwarded SSM calls).
 *
 * Needs python3 with moto[server]; locally a missing moto skips the file loudly, under CI=true
 * it fails.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

import { findMotoPython, startEmulator, type RunningEmulator } from '../../emulator/index';
import type { CallRecord } from '../../emulator/model/state';
import { enforcerPolicyDocument } from '../../src/constructs/enforcer/policy';
import {
  LAST_REPAIR_IDS_LISTED,
  STANDARD_PARAMETER_MAX_BYTES,
  lastDriftRepair,
  type LastDriftRepair,
} from '../../src/lambda/last-drift-repair';
import { ACCOUNT_STATUSES, type AccountReport, type RunReport } from '../../src/engine/types';
import { validateDesiredState, type DesiredState } from '../../src/shared/desired-state';
import {
  MANAGEMENT_ACCOUNT,
  MEMBER_ACCOUNT,
  OTHER_MEMBER_ACCOUNT,
  REGION,
  attachDenyScp,
  baseScenario,
} from '../support/emulator';
import { isCi } from '../support/terraform';
import { startBundledLambda, type BundledLambda } from './helpers';

const moto = findMotoPython();
const suite = moto.ok || isCi() ? describe : describe.skip;
if (!moto.ok && !isCi()) console.warn(`\n!! SKIPPING last drift repair tests: ${moto.message}\n`);

const ENFORCE_ALL: DesiredState = { targets: { allAccounts: true }, mode: 'enforce' };
const PARAMETER = '/centralized-root-access/root-credentials-enforcer/last-drift-repair';
const PARAMETER_ARN = `arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter${PARAMETER}`;
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${MANAGEMENT_ACCOUNT}:function:root-credentials-enforcer`;

/** The enforcer's role policy as the construct generates it, for a parameter ARN. */
function rolePolicy(parameterArn: string): Record<string, unknown> {
  const resolved = validateDesiredState(ENFORCE_ALL);
  if (!resolved.ok) throw new Error('the test desired state is invalid');
  return enforcerPolicyDocument({
    desired: resolved.value,
    functionArn: FUNCTION_ARN,
    deadLetterQueueArn: `arn:aws:sqs:${REGION}:${MANAGEMENT_ACCOUNT}:root-credentials-enforcer-dlq`,
    logGroupArn: `arn:aws:logs:${REGION}:${MANAGEMENT_ACCOUNT}:log-group:/aws/lambda/root-credentials-enforcer`,
    enableTrustedAccess: false,
    lastDriftRepairParameterArn: parameterArn,
  }) as unknown as Record<string, unknown>;
}

/** Role sessions of the function: one with the enforcer's policy, one whose SSM grant names another parameter. */
const FUNCTION_ROLE = {
  accessKeyId: 'ASIAFUNCTIONROLE0001',
  secretAccessKey: 'function-role-secret-000000000000000000',
  arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/root-credentials-enforcer/root-credentials-enforcer`,
};
const OTHER_PARAMETER_ROLE = {
  accessKeyId: 'ASIAOTHERPARAMROLE01',
  secretAccessKey: 'other-parameter-secret-0000000000000000',
  arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/other-enforcer/other-enforcer`,
};

function scenario(): Record<string, unknown> {
  const base = baseScenario();
  return {
    ...base,
    principals: [
      ...(base['principals'] as unknown[]),
      { ...FUNCTION_ROLE, accountId: MANAGEMENT_ACCOUNT, identityPolicies: [rolePolicy(PARAMETER_ARN)] },
      {
        ...OTHER_PARAMETER_ROLE,
        accountId: MANAGEMENT_ACCOUNT,
        identityPolicies: [rolePolicy(`${PARAMETER_ARN}-of-another-enforcer`)],
      },
    ],
  };
}

function account(accountId: string, status: AccountReport['status']): AccountReport {
  return { accountId, status } as AccountReport;
}

function report(accounts: AccountReport[]): RunReport {
  const summary: Record<string, number> = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, 0]));
  for (const a of accounts) summary[a.status] = (summary[a.status] ?? 0) + 1;
  return { accounts, summary: { ...summary, total: accounts.length } } as unknown as RunReport;
}

describe('lastDriftRepair summary', () => {
  it('fits the Standard tier at any organization size, keeping exact counts', () => {
    // GIVEN a repair of 20,000 accounts, half fixed, half not
    const ids = Array.from({ length: 20_000 }, (_, i) => String(100_000_000_000 + i));
    const run = report(ids.map((id, i) => account(id, i % 2 === 0 ? 'remediated' : 'failed')));
    // WHEN
    const summary = lastDriftRepair(run, 'a1b2c3d4-0000-4000-8000-000000000000', new Date());
    // THEN
    expect(Buffer.byteLength(JSON.stringify(summary), 'utf8')).toBeLessThanOrEqual(
      STANDARD_PARAMETER_MAX_BYTES,
    );
    expect(summary.remediated).toHaveLength(LAST_REPAIR_IDS_LISTED);
    expect(summary.failed).toHaveLength(LAST_REPAIR_IDS_LISTED);
    expect(summary.failed[0]).toBe(ids[1]);
    expect(summary.counts).toMatchObject({ remediated: 10_000, failed: 10_000, total: 20_000 });
    expect(summary.truncated).toBe(true);
  });

  it('lists every account and says nothing of truncation when all fit', () => {
    const summary = lastDriftRepair(
      report([account('333333333333', 'remediated'), account('666666666666', 'failed')]),
      'run-1',
      new Date('2026-12-03T10:00:00Z'),
    );
    expect(summary).toEqual({
      at: '2026-12-03T10:00:00.000Z',
      runId: 'run-1',
      remediated: ['333333333333'],
      failed: ['666666666666'],
      counts: expect.objectContaining({ remediated: 1, failed: 1, total: 2 }),
    });
    expect(Object.keys(summary)).not.toContain('truncated');
  });
});

suite('the last drift repair record (bundle, emulator + moto)', () => {
  jest.setTimeout(120_000);
  let emulator: RunningEmulator;
  let lambda: BundledLambda;
  let ssm: SSMClient;
  let organizations: OrganizationsClient;
  const env = {
    DESIRED_STATE: JSON.stringify(ENFORCE_ALL),
    LAST_DRIFT_REPAIR_PARAMETER: PARAMETER,
  };
  const asRole = (role: typeof FUNCTION_ROLE) => ({
    ...env,
    AWS_ACCESS_KEY_ID: role.accessKeyId,
    AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
  });

  beforeAll(async () => {
    emulator = await startEmulator({ scenario: scenario(), moto: true });
    const client = {
      endpoint: emulator.endpoint,
      region: REGION,
      credentials: emulator.managementCredentials,
    };
    ssm = new SSMClient(client);
    organizations = new OrganizationsClient(client);
    // As Terraform creates it (the construct's aws_ssm_parameter).
    await ssm.send(
      new PutParameterCommand({ Name: PARAMETER, Value: '{}', Type: 'String', Tier: 'Standard' }),
    );
    lambda = await startBundledLambda(emulator, asRole(FUNCTION_ROLE));
  });
  afterAll(async () => {
    ssm?.destroy();
    organizations?.destroy();
    await lambda?.stop();
    await emulator?.stop();
  });

  const stored = async (): Promise<unknown> =>
    JSON.parse((await ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value ?? 'null');
  /** The function's SSM calls (not the test's own SDK reads). */
  const ssmCalls = async (): Promise<CallRecord[]> =>
    (await emulator.calls()).filter(
      (call) =>
        call.service === 'ssm' &&
        [FUNCTION_ROLE.arn, OTHER_PARAMETER_ROLE.arn].includes(call.principalArn ?? ''),
    );
  const warnings = (...invocations: { errorLines: string[] }[]): Record<string, unknown>[] =>
    invocations
      .flatMap((invocation) => invocation.errorLines)
      // Node's own warnings ("(node:123) ...") share stderr with Powertools' JSON lines.
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['level'] === 'WARN');
  /** Writes the record back unchanged, as the test's principal: takes a PutParameter token. */
  const rewriteRecord = async (): Promise<void> => {
    const current = (await ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value ?? '{}';
    await ssm.send(
      new PutParameterCommand({ Name: PARAMETER, Value: current, Type: 'String', Overwrite: true }),
    );
  };
  const audit = { action: 'audit', onError: 'report' };
  const repair = (accountIds: string[]) => ({
    action: 'repair-drift',
    accountIds,
    requestedAt: new Date().toISOString(),
    failOnNonCompliance: true,
  });

  it('audits with lastDriftRepair null before the first repair', async () => {
    // GIVEN
    await emulator.clearCalls();
    // WHEN
    const { result, error } = await lambda.invoke(audit);
    // THEN
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ lastDriftRepair: null });
    expect(result?.['nonCompliant']).toEqual(expect.arrayContaining([MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT]));
    expect((await ssmCalls()).map((c) => [c.action, c.status, c.principalArn])).toEqual([
      ['GetParameter', 200, FUNCTION_ROLE.arn],
    ]);
  });

  it('records what a repair fixed, and the next audit reads back the same value', async () => {
    // GIVEN
    await emulator.clearCalls();
    const before = Date.now();
    // WHEN
    const repaired = await lambda.invoke(repair([MEMBER_ACCOUNT]), { requestId: 'repair-1' });
    const next = await lambda.invoke(audit);
    // THEN the answer carries the summary, the parameter holds it, the audit returns it unchanged
    expect(repaired.error).toBeUndefined();
    const summary = repaired.result?.['lastDriftRepair'] as LastDriftRepair;
    expect(summary).toEqual({
      at: expect.any(String),
      runId: 'repair-1',
      remediated: [MEMBER_ACCOUNT],
      failed: [],
      counts: expect.objectContaining({ remediated: 1, failed: 0, total: 1 }),
    });
    expect(Date.parse(summary.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await stored()).toEqual(summary);
    expect(next.result?.['lastDriftRepair']).toEqual(summary);
    expect(JSON.stringify(next.result?.['lastDriftRepair'])).toBe(JSON.stringify(summary));
    const calls = await ssmCalls();
    expect(calls.map((c) => [c.action, c.status, c.decision])).toEqual([
      ['PutParameter', 200, 'allow'],
      ['GetParameter', 200, 'allow'],
    ]);
    expect(calls.every((c) => c.forwarded === true)).toBe(true);
  });

  it('records a repair that then fails the apply, naming the account it could not fix', async () => {
    // GIVEN an SCP that keeps the repair from deleting the other member's root password
    const scp = await attachDenyScp(organizations, OTHER_MEMBER_ACCOUNT, ['iam:DeleteLoginProfile']);
    try {
      // WHEN
      const { error } = await lambda.invoke(repair([OTHER_MEMBER_ACCOUNT]), { requestId: 'repair-2' });
      // THEN the apply fails, and the record says so
      expect(error?.name).toBe('NonComplianceError');
      expect(await stored()).toEqual({
        at: expect.any(String),
        runId: 'repair-2',
        remediated: [],
        failed: [OTHER_MEMBER_ACCOUNT],
        counts: expect.objectContaining({ remediated: 0, failed: 1, total: 1 }),
      });
    } finally {
      await scp.remove();
    }
  });

  it('answers an SSM rate limit with the ThrottlingException the SDK knows', async () => {
    // GIVEN a limit on the forwarded GetParameter of one call per 100 s, taken by the first call
    await emulator.setFaults({ rateLimits: { 'ssm:GetParameter': 0.01 } });
    await ssm.send(new GetParameterCommand({ Name: PARAMETER }));
    const once = new SSMClient({
      endpoint: emulator.endpoint,
      region: REGION,
      credentials: emulator.managementCredentials,
      maxAttempts: 1,
    });
    try {
      // WHEN
      const error = await once.send(new GetParameterCommand({ Name: PARAMETER })).catch((e: unknown) => e);
      // THEN the real SDK reads the emulator's answer as SSM's throttling error
      expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    } finally {
      once.destroy();
      await emulator.setFaults({ rateLimits: {} });
    }
  });

  it('retries a throttled record write with backoff, and records the repair', async () => {
    // GIVEN an account to fix, and SSM allowing one PutParameter a second, just taken
    await emulator.setRootCredentials(MEMBER_ACCOUNT, { password: true });
    await emulator.setFaults({ rateLimits: { 'ssm:PutParameter': 1 } });
    try {
      await rewriteRecord();
      await emulator.clearCalls();
      // WHEN
      const repaired = await lambda.invoke(repair([MEMBER_ACCOUNT]), { requestId: 'repair-throttled' });
      // THEN the write was throttled, retried after its backoff (400, then 800 ms) and landed
      expect(repaired.error).toBeUndefined();
      const puts = (await ssmCalls()).filter((c) => c.action === 'PutParameter').map((c) => c.status);
      expect(puts[0]).toBe(400);
      expect(puts.at(-1)).toBe(200);
      expect(puts.slice(0, -1).every((status) => status === 400)).toBe(true);
      expect(await stored()).toMatchObject({ runId: 'repair-throttled', remediated: [MEMBER_ACCOUNT] });
      expect(warnings(repaired)).toEqual([]);
    } finally {
      await emulator.setFaults({ rateLimits: {} });
    }
  });

  it('still returns the repair when SSM throttles every attempt, and says the next run tries again', async () => {
    // GIVEN
    const kept = await stored();
    await emulator.setRootCredentials(MEMBER_ACCOUNT, { password: true });
    await emulator.setFaults({ rateLimits: { 'ssm:PutParameter': 0.01 } });
    try {
      await rewriteRecord();
      await emulator.clearCalls();
      // WHEN
      const repaired = await lambda.invoke(repair([MEMBER_ACCOUNT]));
      // THEN the fix is reported, the record is unchanged, and the warning names the throttling
      expect(repaired.error).toBeUndefined();
      expect(repaired.result).toMatchObject({
        lastDriftRepair: expect.objectContaining({ remediated: [MEMBER_ACCOUNT] }),
      });
      expect(await stored()).toEqual(kept);
      const puts = (await ssmCalls()).filter((c) => c.action === 'PutParameter').map((c) => c.status);
      expect(puts).toEqual([400, 400, 400]);
      const warned = warnings(repaired).find((w) => w['message'] === 'last drift repair not recorded');
      expect(String(warned?.['reason'])).toContain('after 3 attempts');
      expect(String(warned?.['reason'])).toContain('SSM throttled the calls, the next run tries again');
    } finally {
      await emulator.setFaults({ rateLimits: {} });
    }
  });

  it('still returns the repair when its role may not write the record, and the audit reads null; both warn', async () => {
    // GIVEN a function whose role grants SSM on another enforcer's parameter only
    const kept = await stored();
    const other = await startBundledLambda(emulator, asRole(OTHER_PARAMETER_ROLE));
    try {
      await emulator.clearCalls();
      // WHEN
      const repaired = await other.invoke(repair([OTHER_MEMBER_ACCOUNT]));
      const audited = await other.invoke(audit);
      // THEN the fix happened and is reported; the record is unchanged; nothing failed
      expect(repaired.error).toBeUndefined();
      expect(repaired.result).toMatchObject({
        accounts: [expect.objectContaining({ accountId: OTHER_MEMBER_ACCOUNT, status: 'remediated' })],
        lastDriftRepair: expect.objectContaining({ remediated: [OTHER_MEMBER_ACCOUNT] }),
      });
      expect(await stored()).toEqual(kept);
      expect(audited.error).toBeUndefined();
      expect(audited.result).toMatchObject({ nonCompliant: [], lastDriftRepair: null });
      const warned = warnings(repaired, audited);
      expect(warned.map((w) => [w['message'], w['parameter']])).toEqual([
        ['last drift repair not recorded', PARAMETER],
        ['last drift repair not read', PARAMETER],
      ]);
      expect(String(warned[0]?.['reason'])).toContain(
        `the function's role may not call ssm:PutParameter on ${PARAMETER}`,
      );
      expect(String(warned[1]?.['reason'])).toContain('ssm:GetParameter');
      // The emulator refused both for the role's policy (moto checks none).
      expect((await ssmCalls()).map((c) => [c.action, c.decision])).toEqual([
        ['PutParameter', 'deny'],
        ['GetParameter', 'deny'],
      ]);
      const logged = [repaired, audited].flatMap((i) => [...i.lines, ...i.errorLines]).join('\n');
      expect(logged).not.toContain(OTHER_PARAMETER_ROLE.secretAccessKey);
    } finally {
      await other.stop();
    }
  });

  it('audits with lastDriftRepair null and a warning naming the parameter when it is gone', async () => {
    // GIVEN
    await ssm.send(new DeleteParameterCommand({ Name: PARAMETER }));
    // WHEN
    const audited = await lambda.invoke(audit);
    // THEN
    expect(audited.error).toBeUndefined();
    expect(audited.result).toMatchObject({ lastDriftRepair: null });
    const warning = warnings(audited).find((line) => line['message'] === 'last drift repair not read');
    expect(String(warning?.['reason'])).toContain(`SSM parameter ${PARAMETER} does not exist`);
  });
});
