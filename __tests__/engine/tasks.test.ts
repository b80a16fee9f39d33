/**
 * Root tasks against the emulator: allow password recovery, unlock an S3 bucket policy, remove an
 * SQS queue policy; and refusals that never reach the account.
 */
import { join } from 'node:path';

import { MANAGEMENT, callsTo, startHarness, type EngineHarness } from './helpers';

const UNLOCK = join(__dirname, '../../emulator/scenarios/unlock.json');
const LOCKED = '333333333333';

interface UnlockState {
  accounts: Array<{
    id: string;
    root: { password: boolean };
    buckets: Array<{ name: string; policy: string | null }>;
    queues: Array<{ name: string; url: string; policy: string | null }>;
  }>;
}

describe('root tasks', () => {
  let h: EngineHarness;
  const account = async (id: string) =>
    ((await h.emulator.state()) as UnlockState).accounts.find((a) => a.id === id)!;

  beforeAll(async () => {
    h = await startHarness(UNLOCK, { engine: { managementAccountId: MANAGEMENT } });
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(async () => {
    await h.emulator.reset();
    await h.emulator.clearCalls();
  });

  it('deletes a bucket policy that locks everyone out', async () => {
    // WHEN
    const result = await h.engine.unlockS3BucketPolicy(LOCKED, 'locked-bucket');

    // THEN
    expect(result).toEqual({
      accountId: LOCKED,
      ok: true,
      actions: [{ kind: 'delete-bucket-policy', target: 'locked-bucket', outcome: 'done' }],
    });
    expect((await account(LOCKED)).buckets.find((b) => b.name === 'locked-bucket')?.policy).toBeNull();
    const calls = callsTo(await h.calls(), LOCKED);
    // Changed with issue 11: the account's membership is checked first, so a suspended or
    // foreign account gets a diagnosis instead of advice to grant sts:AssumeRoot.
    expect(calls.map((c) => `${c.service}:${c.action}`)).toEqual([
      'organizations:DescribeAccount',
      'sts:AssumeRoot',
      's3:DeleteBucketPolicy',
    ]);
    expect(calls[2]?.taskPolicyArn).toBe('arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy');
  });

  it('removes a queue policy that locks everyone out', async () => {
    // GIVEN
    const queue = (await account(LOCKED)).queues.find((q) => q.name === 'locked-queue')!;

    // WHEN
    const result = await h.engine.unlockSqsQueuePolicy(LOCKED, queue.url);

    // THEN
    expect(result.ok).toBe(true);
    expect(result.actions).toEqual([{ kind: 'remove-queue-policy', target: queue.url, outcome: 'done' }]);
    expect((await account(LOCKED)).queues.find((q) => q.name === 'locked-queue')?.policy).toBeNull();
  });

  it('allows password recovery, and says so when it already was', async () => {
    // WHEN
    const first = await h.engine.allowRecovery(LOCKED);
    const second = await h.engine.allowRecovery(LOCKED);

    // THEN
    expect(first).toMatchObject({ ok: true, actions: [{ kind: 'create-login-profile', outcome: 'done' }] });
    expect(second).toMatchObject({
      ok: true,
      actions: [
        { kind: 'create-login-profile', outcome: 'done', detail: expect.stringMatching(/already allowed/) },
      ],
    });
    expect((await account(LOCKED)).root.password).toBe(true);
  });

  it("refuses the management account, malformed ids and another account's queue without any call", async () => {
    // WHEN
    const results = [
      await h.engine.allowRecovery(MANAGEMENT),
      await h.engine.unlockS3BucketPolicy('12345', 'locked-bucket'),
      await h.engine.unlockSqsQueuePolicy(LOCKED, 'http://127.0.0.1:1/444444444444/neighbour-queue'),
      await h.engine.unlockS3BucketPolicy(LOCKED, 'Not_A_Bucket'),
    ];

    // THEN
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false]);
    expect(results[0]?.error).toMatch(/^111111111111 is the management account: AssumeRoot cannot reach it/);
    expect(results[1]?.error).toBe(
      '"12345" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"',
    );
    expect(results[2]?.error).toMatch(/belongs to account 444444444444, not 333333333333/);
    expect(results[3]?.error).toBe('"Not_A_Bucket" is not an S3 bucket name');
    expect(await h.calls()).toEqual([]);
  });
});
