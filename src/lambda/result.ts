/**
 * What an enforcement run answers and logs. Both places have a size limit: the answer becomes
 * `aws_lambda_invocation.result` (Terraform state and the `enforcement_report` output, read on
 * every plan), the log line one CloudWatch Logs event. At 10,000 accounts the full report is
 * about 1.5 MB, so both carry the engine's compact report: every account while it fits, else the
 * totals and the accounts that need attention, failed first.
 */
import { COMPACT_REPORT_MAX_BYTES, clipDiagnosis, compactReport, type CompactReport } from '../engine/report';
import type { AccountReport, RunReport } from '../engine/types';

/** The answer's budget for the report part (the continuation block comes on top, bounded too). */
export const RESULT_REPORT_MAX_BYTES = COMPACT_REPORT_MAX_BYTES;
/**
 * One log line carries less than the answer: the per-account lines (`account done`) already hold
 * every account, so the run's line only needs the totals and what needs attention.
 */
export const LOG_REPORT_MAX_BYTES = 32 * 1024;
/**
 * Account ids of a continuation listed in the answer. The continuation event itself carries them
 * all; the answer only has to say which run goes on and how many accounts it took.
 */
export const CONTINUATION_IDS_LISTED = 200;
/** Failed accounts named in a `NonComplianceError` message (which Terraform prints whole). */
export const FAILED_ACCOUNTS_NAMED = 50;

export interface ContinuationSummary {
  readonly runId: string;
  readonly generation: number;
  readonly accountIds: readonly string[];
  /** Present when the list was cut: how many deferred accounts `accountIds` leaves out. */
  readonly omittedAccountIds?: number;
}

/** A run's compact report, plus the continuation that carries its deferred accounts, if any. */
export type EnforcementResult = CompactReport & {
  readonly runId: string;
  readonly trigger: string;
  /** Present when some accounts were deferred: an asynchronous continuation is handling them. */
  readonly continuation?: ContinuationSummary;
};

export function enforcementResult(
  report: RunReport,
  run: {
    runId: string;
    trigger: string;
    continuation?: { runId: string; generation: number; accountIds: readonly string[] };
  },
): EnforcementResult {
  const continuation = run.continuation;
  return {
    ...compactReport(report, RESULT_REPORT_MAX_BYTES),
    runId: run.runId,
    trigger: run.trigger,
    ...(continuation !== undefined
      ? {
          continuation: {
            runId: continuation.runId,
            generation: continuation.generation,
            accountIds: continuation.accountIds.slice(0, CONTINUATION_IDS_LISTED),
            ...(continuation.accountIds.length > CONTINUATION_IDS_LISTED
              ? { omittedAccountIds: continuation.accountIds.length - CONTINUATION_IDS_LISTED }
              : {}),
          },
        }
      : {}),
  };
}

/** The `run report` log line's attributes: the compact report under the log budget. */
export function runLogAttributes(report: RunReport): CompactReport {
  return compactReport(report, LOG_REPORT_MAX_BYTES);
}

/** The message of a run that left accounts failed: each one with why, the first few dozen named. */
export function nonComplianceMessage(failed: readonly AccountReport[]): string {
  const named = failed
    .slice(0, FAILED_ACCOUNTS_NAMED)
    .map(
      (account) =>
        `  - ${account.accountId}${account.accountName ? ` (${account.accountName})` : ''}: ${clipDiagnosis(account.error ?? account.reason ?? 'failed')}`,
    );
  const more =
    failed.length > FAILED_ACCOUNTS_NAMED
      ? [`  ... and ${failed.length - FAILED_ACCOUNTS_NAMED} more (the function's logs list every account)`]
      : [];
  return `${failed.length} account(s) could not be made compliant:\n${[...named, ...more].join('\n')}`;
}
