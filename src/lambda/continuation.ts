/**
 * Hands accounts a run could not reach before its deadline to a fresh invocation of the same
 * function, asynchronously, so one scheduled run covers an organization of any size.
 *
 * The request is the documented REST call `POST /2015-03-31/functions/<name>/invocations` with
 * `X-Amz-Invocation-Type: Event`, sent by `signed-request.ts` (which says why not the SDK client).
 */
import { CONTINUATION_SOURCE } from '../shared/lambda-contract';
import type { ContinuationEvent } from './events';
import { describeError, sendSigned, SigningError } from './signed-request';

/** Attempts for the Invoke call; throttling and 5xx answers are retried with backoff. */
const MAX_ATTEMPTS = 4;

/** Thrown when deferred accounts could not be handed on; the run fails rather than drop them. */
export class ContinuationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContinuationError';
  }
}

export interface Continuation {
  readonly runId: string;
  readonly generation: number;
  readonly accountIds: readonly string[];
}

/** The event body of a continuation: which accounts are left, never a desired state. */
export function continuationEvent(next: Omit<ContinuationEvent, 'kind'>): Record<string, unknown> {
  return {
    source: CONTINUATION_SOURCE,
    runId: next.runId,
    generation: next.generation,
    origin: next.origin,
    accountIds: [...next.accountIds],
  };
}

/**
 * Queues an asynchronous invocation of `functionName`. Lambda answers 202 once the event is
 * queued; anything else, after retries, is a {@link ContinuationError} naming how many accounts
 * were at stake.
 */
export async function invokeContinuation(
  functionName: string,
  next: Omit<ContinuationEvent, 'kind'>,
): Promise<Continuation> {
  const body = JSON.stringify(continuationEvent(next));
  const failure = (reason: string, cause?: unknown) =>
    new ContinuationError(
      `could not hand ${next.accountIds.length} deferred account(s) of run ${next.runId} to a continuation of ${functionName}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  const path = `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  let lastReason = 'no attempt made';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      const response = await sendSigned({
        service: 'lambda',
        path,
        headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
        body,
      });
      if (response.status === 202) {
        return { runId: next.runId, generation: next.generation, accountIds: next.accountIds };
      }
      const text = response.text.slice(0, 300);
      lastReason = `Lambda answered HTTP ${response.status}${text ? `: ${text}` : ''}`;
      if (response.status !== 429 && response.status < 500) {
        throw failure(lastReason);
      }
    } catch (error) {
      if (error instanceof ContinuationError) {
        throw error;
      }
      if (error instanceof SigningError) {
        throw failure(error.message, error);
      }
      lastReason = describeError(error);
    }
    if (attempt < MAX_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
  throw failure(`${lastReason} (after ${MAX_ATTEMPTS} attempts)`);
}
