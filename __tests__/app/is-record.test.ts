import { isRecord } from '../../src/shared/is-record';

describe('isRecord (src/shared/is-record.ts)', () => {
  it.each([[{}], [{ a: 1 }], [Object.create(null)]])('accepts the JSON object %p', (value) => {
    // GIVEN / WHEN / THEN
    expect(isRecord(value)).toBe(true);
  });

  it.each([[null], [[]], [[{}]], ['{}'], [1], [undefined], [true]])('rejects %p', (value) => {
    // GIVEN / WHEN / THEN
    expect(isRecord(value)).toBe(false);
  });
});
