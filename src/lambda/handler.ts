/**
 * The reconciler Lambda: parses the event, dispatches it, flushes metrics. The contract (event
 * kinds and answers) is in `events.ts` and `dispatch.ts`; the work is the engine's.
 */
import type { Context } from 'aws-lambda';

import { dispatch, type HandlerResult, type InvocationContext } from './dispatch';
import { parseEvent } from './events';
import { logger, metrics } from './powertools';

export type { HandlerResult } from './dispatch';

export async function handler(event: unknown, context: InvocationContext | Context): Promise<HandlerResult> {
  logger.resetKeys();
  logger.appendKeys({ requestId: context.awsRequestId });
  try {
    const parsed = parseEvent(event);
    logger.info('event received', {
      kind: parsed.kind,
      ...(parsed.kind === 'lifecycle' ? { action: parsed.action, task: parsed.task } : {}),
      ...(parsed.kind === 'organization' ? { eventName: parsed.eventName, accountId: parsed.accountId } : {}),
      ...(parsed.kind === 'continuation'
        ? { runId: parsed.runId, generation: parsed.generation, accounts: parsed.accountIds.length }
        : {}),
    });
    return await dispatch(parsed, context);
  } catch (error) {
    logger.error('invocation failed', {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
    }
  }
}
