/**
 * Hands accounts a run could not reach before its deadline to a fresh invocation of the same
 * function, asynchronously, so one scheduled run covers an organization of any size.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

import { CONTINUATION_SOURCE, type ContinuationEvent } from './events';

let client: LambdaClient | undefined;

// Created on first use: most invocations never continue, and the endpoint comes from the SDK's
// standard settings (`AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`), like the engine's clients.
function lambda(): LambdaClient {
  client ??= new LambdaClient({ maxAttempts: 5 });
  return client;
}

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

/** The event body of a continuation; `desiredState` travels only when the chain did not start from the environment's. */
export function continuationEvent(next: Omit<ContinuationEvent, 'kind'>): Record<string, unknown> {
  return {
    source: CONTINUATION_SOURCE,
    runId: next.runId,
    generation: next.generation,
    origin: next.origin,
    accountIds: [...next.accountIds],
    ...(next.desiredState === undefined ? {} : { desiredState: next.desiredState }),
  };
}

/**
 * Invokes `functionName` with `InvocationType: 'Event'`. Lambda answers 202 once the event is
 * queued; anything else, or a network failure, is a {@link ContinuationError} naming how many
 * accounts were at stake.
 */
export async function invokeContinuation(
  functionName: string,
  next: Omit<ContinuationEvent, 'kind'>,
): Promise<Continuation> {
  const payload = JSON.stringify(continuationEvent(next));
  try {
    const response = await lambda().send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(payload),
      }),
    );
    if (response.StatusCode !== 202) {
      throw new ContinuationError(
        `Lambda answered ${String(response.StatusCode)} instead of 202 when queuing the continuation`,
      );
    }
  } catch (error) {
    if (error instanceof ContinuationError) {
      throw new ContinuationError(
        `could not hand ${next.accountIds.length} deferred account(s) of run ${next.runId} to a continuation of ${functionName}: ${error.message}`,
      );
    }
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ContinuationError(
      `could not hand ${next.accountIds.length} deferred account(s) of run ${next.runId} to a continuation of ${functionName}: ${reason}`,
      { cause: error },
    );
  }
  return { runId: next.runId, generation: next.generation, accountIds: next.accountIds };
}
