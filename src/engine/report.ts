import { ACCOUNT_STATUSES, type AccountReport, type RunSummary, type StatusCounts } from './types';

/** Totals by status; every status is present, zero or not, so consumers can index without guards. */
export function summarize(accounts: readonly AccountReport[]): RunSummary {
  const counts = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const account of accounts) counts[account.status] += 1;
  return { ...counts, total: accounts.length };
}

/** Stable order: by account id, so two reports of the same organization diff cleanly. */
export function byAccountId(a: AccountReport, b: AccountReport): number {
  return a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;
}
