/**
 * Seeded randomness for scenarios: every generated id, key and date comes from here, so the
 * same document always yields the same organization.
 */
import { createHash } from 'node:crypto';

/** A 32-bit seed derived from text (the scenario document, an account id and its root block, ...). */
export function seedFrom(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** mulberry32: tiny, fast and good enough to spread ids; not for anything secret. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A date within `days` days before `before`, whole seconds (AWS prints no milliseconds). */
  dateBefore(before: Date, days: number): Date {
    const offset = Math.floor(this.next() * days * 86_400) * 1000;
    return new Date(before.getTime() - offset);
  }
}

export const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Access key ids use base32 after the `AKIA`/`ASIA` prefix. */
export const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const DIGITS = '0123456789';

/** The fixed "now" of generated history, so dates do not drift between runs. */
export const SCENARIO_EPOCH = new Date('2025-01-01T00:00:00Z');
