/**
 * A run over the organization: targets stream from Organizations into a bounded worker pool;
 * each worker reconciles one account at a time. Before starting an account a worker checks the
 * deadline, and once it has passed, every account not yet started is reported `deferred`, so the
 * caller can continue exactly those (`onlyAccountIds`) in a further invocation.
 */
import type { EngineDesiredState } from '../shared/desired-state';
import { iamClientPool, reconcileAccount, type AccountDependencies } from './account';
import { TargetResolutionError, describeError } from './errors';
import { WorkQueue } from './limiter';
import type { OrganizationSource } from './organization';
import { byAccountId, summarize } from './report';
import { breakGlassAt, resolveTargets, type ResolvedTarget } from './targets';
import type { AccountReport, RunOptions, RunReport } from './types';

export const DEFAULT_SAFETY_MARGIN_MS = 60_000;

/** Reconciles one account; injected so the pool and deadline logic can be tested on their own. */
export type AccountWorker = (target: ResolvedTarget) => Promise<AccountReport>;

export async function runReconciliation(
  source: OrganizationSource,
  desired: EngineDesiredState,
  options: RunOptions,
  worker: AccountWorker,
): Promise<RunReport> {
  const clock = options.now ?? (() => new Date());
  const started = clock();
  const reports = new Map<string, AccountReport>();
  const queue = new WorkQueue<ResolvedTarget>();
  let known = 0;
  const finish = (report: AccountReport, target: ResolvedTarget): void => {
    const placed =
      target.path.length > 0 && report.organizationalUnitPath === undefined
        ? { ...report, organizationalUnitPath: target.path }
        : report;
    reports.set(placed.accountId, placed);
    options.onAccountDone?.(placed, reports.size, known);
  };
  const deadlineReached = (): boolean =>
    options.deadline !== undefined &&
    clock().getTime() > options.deadline - (options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS);

  const resolution = resolveTargets(
    source,
    desired,
    {
      now: started,
      ...(options.onlyAccountIds !== undefined ? { onlyAccountIds: options.onlyAccountIds } : {}),
    },
    (target) => {
      known += 1;
      if (target.disposition === 'process' || target.disposition === 'break-glass') {
        queue.push(target);
      } else {
        finish(
          {
            accountId: target.accountId,
            ...(target.accountName !== undefined ? { accountName: target.accountName } : {}),
            status: target.disposition,
            actions: [],
            ...(target.reason !== undefined ? { reason: target.reason } : {}),
          },
          target,
        );
      }
    },
  ).finally(() => queue.close());

  const workers = Array.from({ length: Math.max(1, desired.concurrency) }, async () => {
    for (let target = await queue.take(); target !== undefined; target = await queue.take()) {
      // An interrupted run (the operator's Ctrl-C) stops starting accounts, like a deadline does;
      // accounts already in flight finish, so none is left half-done.
      const stop =
        options.signal?.aborted === true ? 'interrupted' : deadlineReached() ? 'deadline' : undefined;
      if (stop !== undefined) {
        finish(
          {
            accountId: target.accountId,
            ...(target.accountName !== undefined ? { accountName: target.accountName } : {}),
            status: 'deferred',
            actions: [],
            reason:
              stop === 'interrupted'
                ? 'not started: the run was interrupted; run again to continue'
                : 'not started before the deadline; continue it in a further run',
          },
          target,
        );
        continue;
      }
      finish(
        await worker(target).catch((error: unknown): AccountReport => ({
          accountId: target.accountId,
          status: 'failed',
          actions: [],
          error: describeError(error),
        })),
        target,
      );
    }
  });

  const [settled] = await Promise.allSettled([resolution, ...workers]);
  if (settled.status === 'rejected') {
    throw new TargetResolutionError(
      `could not resolve the targets from AWS Organizations: ${describeError(settled.reason)}`,
      {
        cause: settled.reason,
      },
    );
  }
  const accounts = [...reports.values()].sort(byAccountId);
  return {
    mode: desired.mode,
    dryRun: desired.mode === 'enforce' && desired.dryRun,
    startedAt: started.toISOString(),
    finishedAt: clock().toISOString(),
    summary: summarize(accounts),
    accounts,
    warnings: [...breakGlassAt(desired.breakGlass, started).warnings, ...settled.value.warnings],
  };
}

/** Reconciles each account with the run's shared pool of root-session clients (one per worker at most). */
export function accountWorker(deps: AccountDependencies, desired: EngineDesiredState): AccountWorker {
  const withClients = { ...deps, iamClients: deps.iamClients ?? iamClientPool(deps.settings) };
  return (target) => reconcileAccount(withClients, desired, target);
}
