/** A JSON object as parsed: not null, not a list. The emulator's one copy (it imports no product code). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
