import { describe, expect, test } from 'vitest';
import { beijingLocalToIso, formatTime } from './time';

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
});
