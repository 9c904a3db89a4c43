import { describe, expect, test } from 'vitest';
import { remaining } from './clock';

describe('the deadline countdown', () => {
  const deadline = Date.parse('2026-12-15T01:30:00Z'); // 09:30 Beijing time

  test('whole days, then hours, minutes and seconds', () => {
    expect(remaining(deadline, deadline - (2 * 86_400_000 + 3_600_000 + 61_000))).toMatchObject({ days: 2, clock: '01:01:01' });
    expect(remaining(deadline, deadline - 59_999)).toMatchObject({ days: 0, clock: '00:00:59' });
  });

  test('nothing is left at the deadline itself', () => {
    expect(remaining(deadline, deadline)).toBeNull();
    expect(remaining(deadline, deadline + 1)).toBeNull();
  });
});
