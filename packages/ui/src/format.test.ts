import { describe, expect, it } from 'vitest';
import { formatDateTime, shortHash } from './format';

describe('shared formatting', () => {
  it('shows times in China Standard Time whatever the host zone', () => {
    expect(formatDateTime('2026-11-22T02:30:05.000Z', 'zh')).toBe('2026/11/22 10:30:05');
    expect(formatDateTime('2026-11-22T16:00:00.000Z', 'en')).toBe('23/11/2026, 00:00:00');
  });

  it('shortens long hashes and leaves short ones', () => {
    expect(shortHash('a'.repeat(64))).toBe('aaaaaaaa…aaaaaaaa');
    expect(shortHash('abc')).toBe('abc');
  });
});
