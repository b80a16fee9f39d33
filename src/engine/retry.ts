/**
 * The engine's retry strategy: the SDK's adaptive retry (its own client-side rate limiter,
 * exponential backoff with full jitter, `Retry-After` honoured) without the SDK's retry quota.
 *
 * The SDK's standard strategy keeps one bucket of 500 retry tokens per client (14 per transient
 * retry, 5 per throttle) and stops retrying anything once it is empty. That guards a caller that
 * would otherwise hammer a failing service; the engine already bounds itself (a fixed worker
 * count, the adaptive rate limiter, backoff), and every call it makes is safe to repeat (reads,
 * AssumeRoot, and deletes that answer NoSuchEntity once done). With the quota, 40% injected faults
 * drained one STS client's bucket in seconds and every later call ran once and failed (issue 9).
 * Here each call gets its own `maxAttempts` for the whole run.
 */
import { DefaultRateLimiter } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';

/** The SDK's bases: 50 ms for transient errors, 1 s for throttling; the SDK's 20 s cap. */
const TRANSIENT_BASE_MS = 50;
const THROTTLING_BASE_MS = 1_000;
const MAX_DELAY_MS = 20_000;

class Token implements StandardRetryToken {
  constructor(private readonly count: number) {}
  getRetryCount(): number {
    return this.count;
  }
  /** The strategy sleeps before it hands a token out, so the middleware waits no more. */
  getRetryDelay(): number {
    return 0;
  }
  getRetryCost(): number {
    return 0;
  }
}

export class EngineRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  private readonly rateLimiter = new DefaultRateLimiter();

  constructor(
    private readonly attempts: number,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(): Promise<StandardRetryToken> {
    await this.rateLimiter.getSendToken();
    return new Token(0);
  }

  async refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    this.rateLimiter.updateClientSendingRate(errorInfo);
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    const count = token.getRetryCount();
    if (!retryable || count + 1 >= this.attempts) throw new Error('No retry token available');
    const base = errorInfo.errorType === 'THROTTLING' ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS;
    let delay = Math.floor(this.random() * Math.min(base * 2 ** count, MAX_DELAY_MS));
    if (errorInfo.retryAfterHint instanceof Date) {
      delay = Math.max(delay, Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), delay + 5_000));
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    await this.rateLimiter.getSendToken();
    return new Token(count + 1);
  }

  recordSuccess(): void {
    this.rateLimiter.updateClientSendingRate({});
  }

  /** Read by the SDK's retry middleware for `$metadata.attempts` bookkeeping. */
  maxAttempts(): Promise<number> {
    return Promise.resolve(this.attempts);
  }
}
