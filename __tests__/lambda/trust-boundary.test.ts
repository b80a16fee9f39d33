/**
 * The deployed function acts only on the desired state it was deployed with, whoever invokes it:
 * an event that carries a desired state of its own (aimed at an excluded and a break-glass
 * account, in enforce mode) is refused before any AWS call, and the plain scheduled event still
 * remediates the other targets. Runs the built bundle against the emulator with the real SDK.
 */
import { createHash } from 'node:crypto';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { BARE_ACCOUNT, MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT, baseScenario } from '../support/emulator';
import { mutating, startBundledLambda, type BundledLambda } from './helpers';

const EXCLUDED = OTHER_MEMBER_ACCOUNT;
const BREAK_GLASS = MEMBER_ACCOUNT;
const DEPLOYED = JSON.stringify({
  targets: { allAccounts: true },
  exclusions: { accountIds: [EXCLUDED] },
  breakGlass: [
    { accountId: BREAK_GLASS, until: new Date(Date.now() + 5 * 86_400_000).toISOString(), reason: 'INC-7' },
  ],
  mode: 'enforce',
});
const ATTACKER_STATE = { targets: { accountIds: [EXCLUDED, BREAK_GLASS] }, mode: 'enforce' };

let emulator: RunningEmulator;
let lambda: BundledLambda;

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
  await emulator.setRootCredentials(BARE_ACCOUNT, { password: true, accessKeys: 1 });
  await emulator.clearCalls();
});

const invoke = (event: unknown) =>
  lambda.invoke(event, { env: { DESIRED_STATE: DEPLOYED }, requestId: 'req-trust' });

const callsFor = async (accountId: string) =>
  (await emulator.calls()).filter((call) => call.accountId === accountId);

describe('events cannot widen what the deployed function touches', () => {
  it.each([
    [
      'the apply-time input (the reported attack)',
      { tf: { action: 'update', prev_input: {} }, desiredState: ATTACKER_STATE, failOnNonCompliance: false },
    ],
    ['the scheduled event', { source: 'root-access.schedule', desiredState: ATTACKER_STATE }],
    [
      'a continuation',
      {
        source: 'root-access.continuation',
        runId: 'r',
        generation: 1,
        origin: 'schedule',
        accountIds: [EXCLUDED],
        desiredState: ATTACKER_STATE,
      },
    ],
  ])('refuses a desired state carried in %s, with no AWS call at all', async (_name, event) => {
    const { error } = await invoke(event);
    expect(error?.name).toBe('HandlerInputError');
    expect(error?.message).toContain(
      'desiredState: is not accepted in an event: the function acts only on the desired state it was deployed with',
    );
    expect(await emulator.calls()).toEqual([]);
  });

  it("refuses an apply-time input whose digest is not the deployed state's", async () => {
    const forged = createHash('sha256').update(JSON.stringify(ATTACKER_STATE)).digest('hex');
    const { error } = await invoke({ tf: { action: 'update', prev_input: {} }, desiredStateDigest: forged });
    expect(error?.message).toContain(
      `desiredStateDigest: got "${forged}", but the deployed desired state's digest is`,
    );
    expect(await emulator.calls()).toEqual([]);
  });

  it('never reads an excluded account, even when a continuation names it', async () => {
    const { error, result } = await invoke({
      source: 'root-access.continuation',
      runId: 'r',
      generation: 1,
      origin: 'schedule',
      accountIds: [EXCLUDED, BREAK_GLASS],
    });
    expect(error).toBeUndefined();
    expect(await callsFor(EXCLUDED)).toEqual([]);
    // The break-glass account is audited, never changed.
    expect(mutating(await callsFor(BREAK_GLASS))).toEqual([]);
    const statuses = Object.fromEntries(
      (result!['accounts'] as { accountId: string; status: string }[]).map((a) => [a.accountId, a.status]),
    );
    expect(statuses[BREAK_GLASS]).toBe('break-glass');
  });

  it('the plain scheduled event still remediates the other targets and leaves the protected two alone', async () => {
    const { error, result } = await invoke({ source: 'root-access.schedule' });
    expect(error).toBeUndefined();
    expect(await callsFor(EXCLUDED)).toEqual([]);
    expect(mutating(await callsFor(BREAK_GLASS))).toEqual([]);
    const bare = (result!['accounts'] as { accountId: string; status: string }[]).find(
      (a) => a.accountId === BARE_ACCOUNT,
    );
    expect(bare?.status).toBe('remediated');
  });

  it("accepts the apply-time input the construct writes: the deployed state's digest", async () => {
    const digest = createHash('sha256').update(DEPLOYED).digest('hex');
    const { error, result } = await invoke({
      tf: { action: 'create', prev_input: null },
      task: 'enforce',
      desiredStateDigest: digest,
      failOnNonCompliance: true,
    });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ trigger: 'lifecycle', mode: 'enforce' });
    expect(await callsFor(EXCLUDED)).toEqual([]);
  });
});
