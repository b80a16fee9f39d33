/**
 * Fault injection: latency, random 5xx and throttling, and token-bucket rate limits.
 *
 * Every random draw comes from one generator seeded by `faults.seed`, so a sequential run
 * sees the same failures at the same calls every time. Two draws are made per call (throttle,
 * then error) whatever the rates are, so changing one rate does not shift the other's sequence.
 */
import type { Faults } from '../model/state';

/** mulberry32: tiny, fast and good enough for fault sampling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type FaultOutcome = { kind: 'none' } | { kind: 'throttle'; reason: string } | { kind: 'error' };

export class FaultInjector {
  private random: () => number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly faults: () => Faults,
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    this.random = seededRandom(faults().seed);
  }

  /** Restarts the random sequence and refills every bucket (after a reset or new faults). */
  reseed(): void {
    this.random = seededRandom(this.faults().seed);
    this.buckets.clear();
  }

  /**
   * Rate limits are checked first and consume a token only when the call would otherwise pass,
   * so a throttled call does not also drain the bucket. A limit key matches `service:Action`
   * exactly, `service:*`, or `*`; every matching bucket must have a token.
   */
  decide(service: string, action: string): FaultOutcome {
    const faults = this.faults();
    const throttleDraw = this.random();
    const errorDraw = this.random();
    const limited = this.takeTokens(faults.rateLimits, `${service}:${action}`, service);
    if (limited !== undefined) return { kind: 'throttle', reason: `Rate exceeded for ${limited}` };
    if (throttleDraw < faults.throttleRate) return { kind: 'throttle', reason: 'Rate exceeded' };
    if (errorDraw < faults.errorRate) return { kind: 'error' };
    return { kind: 'none' };
  }

  /**
   * For a call the emulator forwards (to moto): only the rate limits named for its service
   * (`service:Action`, `service:*`), never `*`, the random rates or the latency, which model the
   * services the reconciler calls and would only slow the plumbing Terraform needs.
   */
  decideForwarded(service: string, action: string): FaultOutcome {
    const limited = this.takeTokens(this.faults().rateLimits, `${service}:${action}`, service, false);
    return limited !== undefined
      ? { kind: 'throttle', reason: `Rate exceeded for ${limited}` }
      : { kind: 'none' };
  }

  private takeTokens(
    limits: Record<string, number>,
    key: string,
    service: string,
    includeGlobal = true,
  ): string | undefined {
    const matching = [key, `${service}:*`, ...(includeGlobal ? ['*'] : [])].filter(
      (k) => limits[k] !== undefined,
    );
    if (matching.length === 0) return undefined;
    const now = this.clockMs();
    const buckets = matching.map((k) => {
      const rate = limits[k] ?? 0;
      // A full bucket allows one second's worth of burst, as AWS's token buckets do, and at least
      // one call, so that a limit under one call a second (0.5: one call every 2 s) lets any through.
      const capacity = Math.max(rate, 1);
      let bucket = this.buckets.get(k);
      if (bucket === undefined) {
        bucket = { tokens: capacity, updatedMs: now };
        this.buckets.set(k, bucket);
      }
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedMs) / 1000) * rate);
      bucket.updatedMs = now;
      return [k, bucket] as const;
    });
    const empty = buckets.find(([, bucket]) => bucket.tokens < 1);
    if (empty) return empty[0];
    for (const [, bucket] of buckets) bucket.tokens -= 1;
    return undefined;
  }
}
