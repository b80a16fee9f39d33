/**
 * The built reconciler Lambda (dist/reconciler/index.js) against the emulator, one event
 * kind at a time: apply-time create/update/delete, plan-time audit, scheduled run,
 * organization events (targeted and not), bad input, and what reaches the logs.
 */
import { createHash } from 'node:crypto';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import {
  BARE_ACCOUNT,
  MANAGEMENT_ACCOUNT,
  MEMBER_ACCOUNT,
  OTHER_MEMBER_ACCOUNT,
  SUSPENDED_ACCOUNT,
  baseScenario,
} from '../support/emulator';
import { emfMetrics, mutating, startBundledLambda, touching, type BundledLambda } from './helpers';

const ENFORCE_ALL = { targets: { allAccounts: true }, mode: 'enforce' };
const ENFORCE_TWO = { targets: { accountIds: [MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT] }, mode: 'enforce' };

let emulator: RunningEmulator;
let lambda: BundledLambda;
/** The function environment's desired state for the next invocation; null unsets it. */
let desiredStateEnv: string | null;

beforeAll(async () => {
  emulator = await startEmulator({ scenario: baseScenario() });
  lambda = await startBundledLambda(emulator);
});
afterAll(async () => {
  await lambda?.stop();
  await emulator?.stop();
});
beforeEach(async () => {
  await emulator.reset();
  await emulator.clearCalls();
  desiredStateEnv = JSON.stringify(ENFORCE_ALL);
});

async function invoke(event: unknown) {
  return lambda.invoke(event, { env: { DESIRED_STATE: desiredStateEnv }, requestId: 'req-0001' });
}

/**
 * The input the enforcer construct writes for a function deployed with `desiredState`: the
 * state goes to the function's environment, the input carries only its digest.
 */
function deployedWith(desiredState: unknown, input: Record<string, unknown>): Record<string, unknown> {
  desiredStateEnv = JSON.stringify(desiredState);
  return { ...input, desiredStateDigest: createHash('sha256').update(desiredStateEnv).digest('hex') };
}

function statusOf(report: Record<string, unknown>, accountId: string): unknown {
  return (report['accounts'] as { accountId: string; status: string }[]).find(
    (a) => a.accountId === accountId,
  )?.status;
}

describe('reconciler handler (built bundle)', () => {
  describe('aws_lambda_invocation lifecycle', () => {
    it('enforces on create and returns the per-account report', async () => {
      // GIVEN two members with root credentials, one without, one suspended
      // WHEN
      const { result, error, lines } = await invoke(
        deployedWith(ENFORCE_ALL, {
          failOnNonCompliance: true,
          tf: { action: 'create', prev_input: null },
        }),
      );
      // THEN
      expect(error).toBeUndefined();
      expect(result).toMatchObject({
        mode: 'enforce',
        dryRun: false,
        trigger: 'lifecycle',
        runId: 'req-0001',
      });
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('remediated');
      expect(statusOf(result!, OTHER_MEMBER_ACCOUNT)).toBe('remediated');
      expect(statusOf(result!, BARE_ACCOUNT)).toBe('compliant');
      expect(statusOf(result!, SUSPENDED_ACCOUNT)).toBe('skipped');
      expect(result!['continuation']).toBeUndefined();
      const calls = await emulator.calls();
      expect(mutating(touching(calls, MEMBER_ACCOUNT)).length).toBeGreaterThan(0);
      // The run's counts reach CloudWatch as EMF metrics, flushed in this invocation.
      const metrics = emfMetrics(lines);
      expect(metrics['RootAccess/AccountsRemediated']).toBe(2);
      expect(metrics['RootAccess/AccountsFailed']).toBe(0);
      expect(metrics['RootAccess/CredentialsRemoved']).toBeGreaterThanOrEqual(7);
    });

    it('re-enforces on update (with prev_input) and a converged organization costs no mutating call', async () => {
      await invoke(deployedWith(ENFORCE_ALL, { tf: { action: 'create', prev_input: null } }));
      await emulator.clearCalls();
      const { result, error } = await invoke(
        deployedWith(ENFORCE_ALL, {
          failOnNonCompliance: true,
          tf: { action: 'update', prev_input: { desiredState: ENFORCE_TWO, failOnNonCompliance: true } },
        }),
      );
      expect(error).toBeUndefined();
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('compliant');
      expect(statusOf(result!, OTHER_MEMBER_ACCOUNT)).toBe('compliant');
      expect(mutating(await emulator.calls())).toEqual([]);
    });

    it('does nothing on delete: no AWS call, nothing restored', async () => {
      const { result, error } = await invoke(
        deployedWith(ENFORCE_ALL, {
          tf: { action: 'delete', prev_input: { desiredState: ENFORCE_ALL } },
        }),
      );
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ deleted: true });
      expect(await emulator.calls()).toEqual([]);
    });

    it('deletes cleanly even when the stored input is no longer valid', async () => {
      const { result } = await invoke(
        deployedWith(
          { targets: {} },
          {
            tf: { action: 'delete', prev_input: null },
          },
        ),
      );
      expect(result).toMatchObject({ deleted: true });
      expect(await emulator.calls()).toEqual([]);
    });

    it('only audits when the desired state says audit', async () => {
      const { result } = await invoke(
        deployedWith(
          { targets: { allAccounts: true } },
          {
            tf: { action: 'create' },
          },
        ),
      );
      expect(result).toMatchObject({ mode: 'audit' });
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('non-compliant');
      expect(mutating(await emulator.calls())).toEqual([]);
    });
  });

  describe('plan-time audit', () => {
    it('lists non-compliant accounts and makes no mutating call, even when the deployed mode is enforce', async () => {
      const { result, error } = await invoke({ action: 'audit' });
      expect(error).toBeUndefined();
      expect(result).toEqual({
        nonCompliant: expect.arrayContaining([MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT]) as unknown,
        unverified: [],
        summary: expect.objectContaining({ 'non-compliant': 2 }) as unknown,
      });
      expect((result!['nonCompliant'] as string[]).sort()).toEqual(
        [MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT].sort(),
      );
      const calls = await emulator.calls();
      expect(calls.length).toBeGreaterThan(0);
      expect(mutating(calls)).toEqual([]);
    });

    it('answers a failed audit with its error when asked to report it, and fails the invocation otherwise', async () => {
      desiredStateEnv = null;
      const reported = await invoke({ action: 'audit', onError: 'report' });
      expect(reported.error).toBeUndefined();
      expect(reported.result).toEqual({
        nonCompliant: [],
        unverified: [],
        error:
          'invalid function environment:\n  - DESIRED_STATE: is not set; the enforcer construct sets it to the desired state (JSON)',
      });
      const thrown = await invoke({ action: 'audit' });
      expect(thrown.error!.message).toContain('DESIRED_STATE: is not set');
    });

    it('rejects an unknown onError and unknown fields', async () => {
      const { error } = await invoke({ action: 'audit', onError: 'ignore', extra: 1 });
      expect(error!.message).toContain('invalid plan-time audit request');
      expect(error!.message).toContain('onError');
      expect(error!.message).toContain('extra');
    });
  });

  describe('drift repair (data source read at apply)', () => {
    it('answers an empty list, as read while planning, without any AWS call', async () => {
      const { result, error } = await invoke({
        action: 'repair-drift',
        accountIds: [],
        requestedAt: null,
        failOnNonCompliance: true,
      });
      expect(error).toBeUndefined();
      expect(result).toEqual({ drift: 'none' });
      expect(await emulator.calls()).toEqual([]);
    });

    it('enforces only the listed accounts with the desired state from the environment', async () => {
      const { result, error } = await invoke({
        action: 'repair-drift',
        accountIds: [MEMBER_ACCOUNT],
        requestedAt: '2026-01-01T00:00:00Z',
        failOnNonCompliance: true,
      });
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ trigger: 'drift', mode: 'enforce' });
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('remediated');
      const calls = await emulator.calls();
      expect(mutating(touching(calls, MEMBER_ACCOUNT)).length).toBeGreaterThan(0);
      // The other non-compliant member is left for the schedule: the repair is scoped to the drift found.
      expect(mutating(touching(calls, OTHER_MEMBER_ACCOUNT))).toEqual([]);
    });

    it('refuses accounts without requestedAt, malformed ids and unknown fields', async () => {
      const noTimestamp = await invoke({
        action: 'repair-drift',
        accountIds: [MEMBER_ACCOUNT],
        requestedAt: null,
      });
      expect(noTimestamp.error!.message).toContain(
        'requestedAt: got null; must be set when accounts are listed',
      );
      const malformed = await invoke({
        action: 'repair-drift',
        accountIds: ['12'],
        requestedAt: '2026-01-01T00:00:00Z',
        extra: true,
      });
      expect(malformed.error!.message).toContain('invalid drift repair request');
      expect(malformed.error!.message).toContain('is not a 12-digit AWS account id');
      expect(malformed.error!.message).toContain('extra');
      expect(await emulator.calls()).toEqual([]);
    });
  });

  describe('scheduled run', () => {
    it('enforces the desired state from the function environment', async () => {
      desiredStateEnv = JSON.stringify(ENFORCE_TWO);
      const { result, error } = await invoke({ source: 'root-access.schedule' });
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ trigger: 'schedule', mode: 'enforce' });
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('remediated');
      expect(touching(await emulator.calls(), BARE_ACCOUNT)).toEqual([]);
    });

    it('fails with a readable message when the environment holds no desired state', async () => {
      desiredStateEnv = null;
      const { error } = await invoke({ source: 'root-access.schedule' });
      expect(error!.message).toBe(
        'invalid function environment:\n  - DESIRED_STATE: is not set; the enforcer construct sets it to the desired state (JSON)',
      );
    });
  });

  describe('organization events', () => {
    const createAccountResult = (accountId: string, state = 'SUCCEEDED') => ({
      version: '0',
      source: 'aws.organizations',
      'detail-type': 'AWS Service Event via CloudTrail',
      detail: {
        eventSource: 'organizations.amazonaws.com',
        eventName: 'CreateAccountResult',
        serviceEventDetails: { createAccountStatus: { accountId, state } },
      },
    });

    it('enforces only the account a CreateAccountResult names, when it is targeted', async () => {
      desiredStateEnv = JSON.stringify(ENFORCE_TWO);
      const { result, error } = await invoke(createAccountResult(OTHER_MEMBER_ACCOUNT));
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ trigger: 'organization' });
      expect((result!['accounts'] as { accountId: string }[]).map((a) => a.accountId)).toEqual([
        OTHER_MEMBER_ACCOUNT,
      ]);
      expect(statusOf(result!, OTHER_MEMBER_ACCOUNT)).toBe('remediated');
      const calls = await emulator.calls();
      expect(touching(calls, MEMBER_ACCOUNT)).toEqual([]);
      expect(mutating(touching(calls, OTHER_MEMBER_ACCOUNT)).length).toBeGreaterThan(0);
    });

    it('enforces the account an OU-targeted MoveAccount brings in', async () => {
      desiredStateEnv = JSON.stringify({
        targets: { organizationalUnitIds: ['ou-ex12-prod0001'] },
        mode: 'enforce',
      });
      const { result } = await invoke({
        source: 'aws.organizations',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: {
          eventName: 'MoveAccount',
          requestParameters: {
            accountId: MEMBER_ACCOUNT,
            destinationParentId: 'ou-ex12-prod0001',
            sourceParentId: 'r-ex12',
          },
        },
      });
      expect(statusOf(result!, MEMBER_ACCOUNT)).toBe('remediated');
      expect(touching(await emulator.calls(), OTHER_MEMBER_ACCOUNT)).toEqual([]);
    });

    it('ignores an account that is not targeted without any AWS call', async () => {
      desiredStateEnv = JSON.stringify(ENFORCE_TWO);
      const { result } = await invoke({
        source: 'aws.organizations',
        'detail-type': 'AWS Service Event via CloudTrail',
        detail: {
          eventName: 'AccountJoinedOrganization',
          serviceEventDetails: {
            accountJoinedOrganizationDetail: {
              accountId: BARE_ACCOUNT,
              joinedMethod: 'INVITED',
              joinedTime: '2026-12-03T08:00:00Z',
            },
          },
        },
      });
      expect(result).toEqual({
        ignored: true,
        reason: `account ${BARE_ACCOUNT} is not a target of the desired state`,
      });
      expect(await emulator.calls()).toEqual([]);
    });

    it('ignores an event about the management account, known from the function ARN, without any AWS call', async () => {
      // GIVEN every account targeted, and no management account in the deployed desired state
      desiredStateEnv = JSON.stringify(ENFORCE_ALL);

      // WHEN
      const { result } = await invoke(createAccountResult(MANAGEMENT_ACCOUNT));

      // THEN
      expect(result).toEqual({
        ignored: true,
        reason: `account ${MANAGEMENT_ACCOUNT} is the management account, which the reconciler never targets`,
      });
      expect(await emulator.calls()).toEqual([]);
    });

    it('ignores a failed account creation', async () => {
      const { result } = await invoke(createAccountResult(BARE_ACCOUNT, 'FAILED'));
      expect(result).toMatchObject({ ignored: true });
      expect(await emulator.calls()).toEqual([]);
    });
  });

  describe('bad input', () => {
    it('fails with every desired-state problem, naming field and value', async () => {
      const { error } = await invoke(
        deployedWith(
          { targets: { accountIds: ['1234'] }, mode: 'fix' },
          {
            tf: { action: 'create', prev_input: null },
          },
        ),
      );
      expect(error!.name).toBe('DesiredStateError');
      expect(error!.message).toBe(
        [
          'invalid desired state in the function environment:',
          '  - DESIRED_STATE.targets.accountIds[0]: "1234" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"',
          '  - DESIRED_STATE.mode: got "fix"; expected one of "audit", "enforce"',
        ].join('\n'),
      );
      expect(await emulator.calls()).toEqual([]);
    });

    it('rejects the management account as a target before calling AWS', async () => {
      const { error } = await invoke(
        deployedWith(
          { targets: { accountIds: [MANAGEMENT_ACCOUNT] }, managementAccountId: MANAGEMENT_ACCOUNT },
          { tf: { action: 'create' } },
        ),
      );
      expect(error!.message).toContain(`${MANAGEMENT_ACCOUNT} is the management account`);
      expect(await emulator.calls()).toEqual([]);
    });

    it('fails on an unknown event, naming its fields but not their values', async () => {
      const { error, lines } = await invoke({ Records: [{ body: 'secret-looking-value' }] });
      expect(error!.name).toBe('HandlerInputError');
      expect(error!.message).toContain('unrecognised event with fields "Records"');
      expect(error!.message).not.toContain('secret-looking-value');
      expect(lines.join('\n')).not.toContain('secret-looking-value');
    });

    it('fails on a malformed lifecycle action and a continuation without accounts', async () => {
      const lifecycle = await invoke(deployedWith(ENFORCE_ALL, { tf: { action: 'destroy' } }));
      expect(lifecycle.error!.message).toContain(
        'tf.action: got "destroy"; expected one of "create", "update", "delete"',
      );
      const continuation = await invoke({
        source: 'root-access.continuation',
        runId: 'r',
        accountIds: [],
        generation: 1,
        origin: 'schedule',
      });
      expect(continuation.error!.message).toContain('accountIds');
    });
  });

  it('logs structured JSON lines with the service name and never a credential', async () => {
    const { lines } = await invoke(deployedWith(ENFORCE_ALL, { tf: { action: 'create' } }));
    const logs = lines
      .filter((line) => line.startsWith('{') && !line.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.length).toBeGreaterThan(3);
    expect(logs.every((l) => l['service'] === 'root-credentials-enforcer')).toBe(true);
    expect(logs.some((l) => l['message'] === 'account done' && l['accountId'] === MEMBER_ACCOUNT)).toBe(true);
    const text = lines.join('\n');
    expect(text).not.toContain(emulator.managementCredentials.secretAccessKey);
    expect(text).not.toMatch(/ASIA[A-Z0-9]{12,}/); // root-session access key ids
    expect(text).not.toMatch(/sessionToken|SecretAccessKey/i);
  });
});
