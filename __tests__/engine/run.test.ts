import { TargetResolutionError } from '../../src/engine';
import { runReconciliation, type AccountWorker } from '../../src/engine/run';
import type { AccountReport } from '../../src/engine/types';
import { MANAGEMENT, MemoryOrganization, desired } from './helpers';

const ROOT = 'r-test';
const START = Date.parse('2026-06-01T00:00:00Z');

function organization(count: number): MemoryOrganization {
  // Listed in descending id order, so a sorted report proves the sort.
  const accounts = Array.from({ length: count }, (_, i) => ({
    id: `2000000000${String(count - i).padStart(2, '0')}`,
    parentId: ROOT,
  }));
  return new MemoryOrganization(
    { id: 'o-test000001', managementAccountId: MANAGEMENT, featureSet: 'ALL' },
    ROOT,
    [],
    [{ id: MANAGEMENT, parentId: ROOT }, ...accounts],
    7,
  );
}

const compliant =
  (delay = 0): AccountWorker =>
  async (target) => {
    await new Promise((resolve) => setTimeout(resolve, delay));
    return { accountId: target.accountId, status: 'compliant', actions: [] };
  };

describe('run: pool, deadline and report', () => {
  it('defers every account not started before the deadline and drops none', async () => {
    // GIVEN a clock that advances 10 s each time an account starts
    let now = START;
    const worker: AccountWorker = async (target) => {
      now += 10_000;
      return { accountId: target.accountId, status: 'compliant', actions: [] };
    };

    // WHEN starts are allowed up to START + 29 s (deadline 34 s, margin 5 s): at 0, 10 and 20 s
    const report = await runReconciliation(
      organization(10),
      desired({ concurrency: 1 }),
      { deadline: START + 34_000, safetyMarginMs: 5_000, now: () => new Date(now) },
      worker,
    );

    // THEN
    expect(report.summary).toMatchObject({ compliant: 3, deferred: 7, skipped: 1, total: 11 });
    expect(report.accounts.map((a) => a.accountId)).toEqual(
      [...report.accounts.map((a) => a.accountId)].sort(),
    );
    const deferred = report.accounts.filter((a) => a.status === 'deferred');
    expect(
      deferred.every((a) => a.reason === 'not started before the deadline; continue it in a further run'),
    ).toBe(true);
  });

  it('defers everything when the deadline has already passed', async () => {
    const report = await runReconciliation(
      organization(5),
      desired(),
      { deadline: Date.now() - 1, safetyMarginMs: 0 },
      compliant(),
    );
    expect(report.summary).toMatchObject({ deferred: 5, skipped: 1, total: 6 });
  });

  it('never runs more accounts at once than the concurrency, and uses all of it', async () => {
    // GIVEN
    let inFlight = 0;
    let peak = 0;
    const worker: AccountWorker = async (target) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { accountId: target.accountId, status: 'compliant', actions: [] };
    };

    // WHEN
    const report = await runReconciliation(organization(40), desired({ concurrency: 4 }), {}, worker);

    // THEN
    expect(peak).toBe(4);
    expect(report.summary.compliant).toBe(40);
  });

  it('reports a worker that throws as failed and finishes the others', async () => {
    // GIVEN
    const worker: AccountWorker = async (target) => {
      if (target.accountId === '200000000003') throw new Error('boom');
      return { accountId: target.accountId, status: 'compliant', actions: [] };
    };

    // WHEN
    const report = await runReconciliation(organization(6), desired({ concurrency: 3 }), {}, worker);

    // THEN
    expect(report.accounts.find((a) => a.accountId === '200000000003')).toMatchObject({
      status: 'failed',
      error: 'Error: boom',
    });
    expect(report.summary).toMatchObject({ compliant: 5, failed: 1, total: 7 });
  });

  it('counts every status in the summary, in a stable order by account id, whatever the finishing order', async () => {
    // GIVEN statuses by account, finishing in reverse
    const statuses: Array<AccountReport['status']> = [
      'compliant',
      'remediated',
      'non-compliant',
      'failed',
      'compliant',
    ];
    const worker: AccountWorker = async (target) => {
      const index = Number(target.accountId.slice(-2)) - 1;
      await new Promise((resolve) => setTimeout(resolve, (5 - index) * 3));
      return { accountId: target.accountId, status: statuses[index], actions: [] };
    };
    const seen: string[] = [];

    // WHEN
    const report = await runReconciliation(
      organization(5),
      desired({
        concurrency: 5,
        exclusions: { accountIds: ['200000000005'] },
        breakGlass: [{ accountId: '200000000004', until: '2020-01-01T00:00:00Z', reason: 'INC-1' }],
      }),
      { onAccountDone: (account) => seen.push(account.accountId) },
      worker,
    );

    // THEN
    expect(report.summary).toEqual({
      compliant: 1,
      remediated: 1,
      'non-compliant': 1,
      excluded: 1,
      'break-glass': 0,
      skipped: 1,
      failed: 1,
      deferred: 0,
      total: 6,
    });
    expect(report.accounts.map((a) => a.accountId)).toEqual([
      MANAGEMENT,
      '200000000001',
      '200000000002',
      '200000000003',
      '200000000004',
      '200000000005',
    ]);
    expect(seen).toHaveLength(6);
    expect(report.warnings).toEqual([
      'break-glass window for 200000000004 ended at 2020-01-01T00:00:00.000Z (INC-1); the account is an ordinary target again, remove the entry',
    ]);
  });

  it('fails with TargetResolutionError when Organizations cannot be read', async () => {
    // GIVEN
    const org = organization(3);
    org.listRoots = () =>
      Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // THEN
    const run = runReconciliation(org, desired(), {}, compliant());
    await expect(run).rejects.toBeInstanceOf(TargetResolutionError);
    await expect(run).rejects.toThrow(
      'could not resolve the targets from AWS Organizations: AccessDeniedException: denied',
    );
  });
});
