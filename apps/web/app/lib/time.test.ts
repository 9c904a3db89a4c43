import { describe, expect, test } from 'vitest';
import { beijingDateToIso, beijingLocalToIso, beijingLocalToOffsetIso, formatTime, isoToBeijingLocal } from './time';

describe('Beijing time on screen and in filters', () => {
  test('an instant is shown as Beijing wall-clock time, whatever the machine’s zone', () => {
    expect(formatTime('2026-11-22T15:31:04.282Z')).toBe('2026-11-22 23:31:04');
    expect(formatTime('2026-12-31T16:00:00Z')).toBe('2027-01-01 00:00:00');
  });

  test('a datetime-local filter value is read as Beijing time', () => {
    expect(beijingLocalToIso('2026-11-22T08:30')).toBe('2026-11-22T00:30:00.000Z');
    expect(beijingLocalToIso('2026-11-22T08:30:15')).toBe('2026-11-22T00:30:15.000Z');
  });

  test('empty or malformed filter values are no filter at all', () => {
    expect(beijingLocalToIso('')).toBeUndefined();
    expect(beijingLocalToIso(null)).toBeUndefined();
    expect(beijingLocalToIso('yesterday')).toBeUndefined();
    expect(beijingLocalToIso('2026-13-45T99:99')).toBeUndefined();
  });

  test('form times go to the API with the +08:00 offset written out, and come back for editing', () => {
    expect(beijingLocalToOffsetIso('2026-12-18T09:30')).toBe('2026-12-18T09:30:00+08:00');
    expect(beijingLocalToOffsetIso('2026-12-18T09:30:15')).toBe('2026-12-18T09:30:15+08:00');
    expect(beijingLocalToOffsetIso('')).toBeUndefined();
    expect(isoToBeijingLocal('2026-12-18T01:30:15.000Z')).toBe('2026-12-18T09:30:15');
  });

  test('a date filter covers the whole Beijing day', () => {
    expect(beijingDateToIso('2026-11-22')).toBe('2026-11-21T16:00:00.000Z');
    expect(beijingDateToIso('2026-11-22', true)).toBe('2026-11-22T15:59:59.999Z');
    expect(beijingDateToIso('2026-02-30')).toBeUndefined();
    expect(beijingDateToIso('22/11/2026')).toBeUndefined();
  });
});
