/**
 * The last drift repair's summary, kept in an SSM parameter the enforcer creates, so that
 * `enforcement_report` can show the last fix on every later plan. Terraform alone cannot: a
 * clean plan after a fixing apply reads the repair as "no drift", so any output computed from
 * it alone changes back. The repair writes the summary; the plan-time audit reads it back; the
 * output takes the repair's copy when it ran, else the audit's, and both are the same value.
 *
 * The parameter holds account ids and counts only, never credentials or session tokens. Calls
 * are single signed requests over SSM's JSON protocol (awsJson1_1: `POST /`,
 * `X-Amz-Target: AmazonSSM.<Operation>`; docs/aws-behaviour.md#ssm-parameter-limits), not the
 * SDK client, to keep the bundle under its bar (see `signed-request.ts`).
 */
import type { RunReport } from '../engine/types';
import { isRecord } from '../shared/is-record';
import { describeError, sendSigned, SigningError } from './signed-request';

/** Standard-tier parameters hold at most 4 KB (docs/aws-behaviour.md#ssm-parameter-limits). */
export const STANDARD_PARAMETER_MAX_BYTES = 4096;
/**
 * Account ids listed per status. 100 of each is 3,000 bytes of ids, which leaves room for the
 * counts, the time and the run id under the 4 KB limit at any organization size; the counts
 * stay exact.
 */
export const LAST_REPAIR_IDS_LISTED = 100;
const ATTEMPTS = 3;

/** What the last drift repair did, as the parameter holds it and the output shows it. */
export interface LastDriftRepair {
  /** When the repair finished (ISO 8601, UTC). */
  readonly at: string;
  /** The repair invocation's request id: its lines in the function's logs carry it. */
  readonly runId: string;
  /** Accounts whose root credentials the repair removed (the first {@link LAST_REPAIR_IDS_LISTED}). */
  readonly remediated: readonly string[];
  /** Accounts the repair could not make compliant (the first {@link LAST_REPAIR_IDS_LISTED}). */
  readonly failed: readonly string[];
  /** The repair run's exact counts by status. */
  readonly counts: RunReport['summary'];
  /** Present when a list was cut to its limit; `counts` has the real numbers. */
  readonly truncated?: true;
}

/** Thrown when SSM refused or could not answer a call; its message names the parameter and the fix. */
export class LastRepairStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LastRepairStoreError';
  }
}

export function lastDriftRepair(report: RunReport, runId: string, at: Date): LastDriftRepair {
  const ids = (status: string) =>
    report.accounts.filter((account) => account.status === status).map((account) => account.accountId);
  const remediated = ids('remediated');
  const failed = ids('failed');
  const truncated = remediated.length > LAST_REPAIR_IDS_LISTED || failed.length > LAST_REPAIR_IDS_LISTED;
  return {
    at: at.toISOString(),
    runId,
    remediated: remediated.slice(0, LAST_REPAIR_IDS_LISTED),
    failed: failed.slice(0, LAST_REPAIR_IDS_LISTED),
    counts: { ...report.summary },
    ...(truncated ? { truncated: true as const } : {}),
  };
}

/** Overwrites the parameter with `summary`. */
export async function writeLastDriftRepair(parameterName: string, summary: LastDriftRepair): Promise<void> {
  const value = JSON.stringify(summary);
  if (Buffer.byteLength(value, 'utf8') > STANDARD_PARAMETER_MAX_BYTES) {
    // Cannot happen with the id limits above; checked so a change to them fails loudly, not in SSM.
    throw new LastRepairStoreError(
      `the drift repair summary is ${Buffer.byteLength(value, 'utf8')} bytes, over the ${STANDARD_PARAMETER_MAX_BYTES}-byte limit of the Standard-tier parameter ${parameterName}`,
    );
  }
  await callSsm('PutParameter', parameterName, {
    Name: parameterName,
    Value: value,
    Type: 'String',
    Overwrite: true,
  });
}

/**
 * The summary the parameter holds, or null when it holds none yet (the enforcer creates it as
 * `{}`). A value that is not a summary (edited by hand) also reads as null, with the reason.
 */
export async function readLastDriftRepair(
  parameterName: string,
): Promise<{ summary: LastDriftRepair | null; problem?: string }> {
  const answer = await callSsm('GetParameter', parameterName, { Name: parameterName });
  const value = (answer['Parameter'] as Record<string, unknown> | undefined)?.['Value'];
  if (typeof value !== 'string') {
    throw new LastRepairStoreError(`SSM's GetParameter answer for ${parameterName} carries no Value`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { summary: null, problem: `the parameter ${parameterName} does not hold JSON` };
  }
  if (isRecord(parsed) && Object.keys(parsed).length === 0) {
    return { summary: null };
  }
  if (!isSummary(parsed)) {
    return {
      summary: null,
      problem: `the parameter ${parameterName} does not hold a drift repair summary (at, runId, remediated, failed, counts); the next drift repair overwrites it`,
    };
  }
  return { summary: parsed };
}

async function callSsm(
  operation: 'GetParameter' | 'PutParameter',
  parameterName: string,
  request: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = JSON.stringify(request);
  let lastReason = 'no attempt made';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let status: number;
    let text: string;
    try {
      ({ status, text } = await sendSigned({
        service: 'ssm',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AmazonSSM.${operation}`,
        },
        body,
      }));
    } catch (error) {
      lastReason = describeError(error);
      if (error instanceof SigningError) break;
      await backoff(attempt);
      continue;
    }
    if (status === 200) {
      return parseObject(text);
    }
    const { type, message } = awsError(text);
    const said = `${type || `HTTP ${status}`}${message ? `: ${message}` : ''}`;
    if (type === 'ParameterNotFound') {
      throw new LastRepairStoreError(
        `SSM parameter ${parameterName} does not exist (${operation}: ${said}); the enforcer creates it with the drift repair, so run terraform apply to recreate it`,
      );
    }
    if (type === 'AccessDeniedException') {
      throw new LastRepairStoreError(
        `the function's role may not call ssm:${operation} on ${parameterName} (${said}); the enforcer grants ssm:GetParameter and ssm:PutParameter on that parameter, so look for a service control policy or permissions boundary that denies them`,
      );
    }
    lastReason = `${operation}: ${said}`;
    const retryable = type === 'ThrottlingException' || status === 429 || status >= 500;
    if (!retryable) {
      throw new LastRepairStoreError(`SSM refused ${operation} on ${parameterName} (${said})`);
    }
    await backoff(attempt);
  }
  throw new LastRepairStoreError(
    `SSM did not answer ${operation} on ${parameterName} after ${ATTEMPTS} attempts (last: ${lastReason}); ${
      lastReason.includes('ThrottlingException')
        ? 'SSM throttled the calls, the next run tries again'
        : 'check the function can reach SSM (its endpoint, a VPC endpoint if it runs in a VPC)'
    }`,
  );
}

function backoff(attempt: number): Promise<void> {
  return attempt < ATTEMPTS
    ? new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt))
    : Promise.resolve();
}

/** awsJson1_1 errors: `__type` (sometimes `namespace#Name`) and `message` (or `Message`). */
function awsError(text: string): { type: string; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: '', message: text.slice(0, 300) };
  }
  if (!isRecord(parsed)) return { type: '', message: '' };
  const type = typeof parsed['__type'] === 'string' ? parsed['__type'].split('#').pop()! : '';
  const raw = parsed['message'] ?? parsed['Message'];
  return { type, message: typeof raw === 'string' ? raw.slice(0, 300) : '' };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // fall through
  }
  throw new LastRepairStoreError(`SSM answered 200 with a body that is not a JSON object`);
}

function isSummary(value: unknown): value is LastDriftRepair {
  const ids = (list: unknown) => Array.isArray(list) && list.every((id) => typeof id === 'string');
  return (
    isRecord(value) &&
    typeof value['at'] === 'string' &&
    typeof value['runId'] === 'string' &&
    ids(value['remediated']) &&
    ids(value['failed']) &&
    isRecord(value['counts'])
  );
}
