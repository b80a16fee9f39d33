/**
 * Hands accounts a run could not reach before its deadline to a fresh invocation of the same
 * function, asynchronously, so one scheduled run covers an organization of any size.
 *
 * Why not `@aws-sdk/client-lambda`: for this one call it added about 85 KB (its schemas, error
 * classes and event-stream codec) to a bundle that must stay under 600 KB. The request is the
 * documented REST call `POST /2015-03-31/functions/<name>/invocations` with
 * `X-Amz-Invocation-Type: Event`, signed with the same SigV4 signer and credential chain the
 * bundled SDK clients already carry, so it costs no extra code.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

import { CONTINUATION_SOURCE } from '../shared/lambda-contract';
import type { ContinuationEvent } from './events';

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

/** SHA-256 (or its HMAC) over node:crypto, in the shape the SigV4 signer expects. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') {
    return data;
  }
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

let signer: SignatureV4 | undefined;

function region(): string {
  return process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
}

/** The SDK's own endpoint settings: a service-specific override, then the global one, then AWS. */
function endpoint(): URL {
  const configured = process.env['AWS_ENDPOINT_URL_LAMBDA'] ?? process.env['AWS_ENDPOINT_URL'];
  return new URL(configured ?? `https://lambda.${region()}.amazonaws.com`);
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
  signer ??= new SignatureV4({
    service: 'lambda',
    region: region(),
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const url = endpoint();
  const basePath = url.pathname.replace(/\/$/, '');
  const path = `${basePath}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  let lastReason = 'no attempt made';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let signed;
    try {
      signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path,
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/json',
          'x-amz-invocation-type': 'Event',
        },
        body,
      });
    } catch (error) {
      throw failure(`signing the request failed (${describeError(error)})`, error);
    }
    try {
      const response = await fetch(new URL(path, url), {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 202) {
        return { runId: next.runId, generation: next.generation, accountIds: next.accountIds };
      }
      const text = (await response.text()).slice(0, 300);
      lastReason = `Lambda answered HTTP ${response.status}${text ? `: ${text}` : ''}`;
      if (response.status !== 429 && response.status < 500) {
        throw failure(lastReason);
      }
    } catch (error) {
      if (error instanceof ContinuationError) {
        throw error;
      }
      lastReason = describeError(error);
    }
    if (attempt < MAX_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
  throw failure(`${lastReason} (after ${MAX_ATTEMPTS} attempts)`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
