/**
 * A JSON object as parsed: not null, not a list. The one such guard for product code (the emulator
 * keeps its own, since it imports none of ours).
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
