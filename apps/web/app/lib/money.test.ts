import { describe, expect, test } from 'vitest';
import { fenToYuanInput, formatBytes, formatYuan, yuanToFen } from './money';

describe('money typed in yuan, kept in fen', () => {
  test('amounts as people type them become whole fen, without floating-point error', () => {
    expect(yuanToFen('10,000,000')).toBe(1_000_000_000);
    expect(yuanToFen('200000.00')).toBe(20_000_000);
    expect(yuanToFen('0.29')).toBe(29);
    expect(yuanToFen('1.1')).toBe(110);
    expect(yuanToFen('¥ 1 234.5元')).toBe(123_450);
    expect(yuanToFen('１２３．４５')).toBe(12_345);
  });

  test('anything else is not an amount', () => {
    for (const text of ['', '.', '1.234', '-5', 'abc', '1e6', '90071992547409.93']) expect(yuanToFen(text), text).toBeNull();
  });

  test('fen back into an input, and for reading', () => {
    expect(fenToYuanInput(1_000_000_000)).toBe('10000000');
    expect(fenToYuanInput(12_345)).toBe('123.45');
    expect(fenToYuanInput(5)).toBe('0.05');
    expect(formatYuan(1_000_000_000)).toBe('¥10,000,000.00');
    expect(formatYuan(29)).toBe('¥0.29');
    expect(formatYuan(0)).toBe('¥0.00');
  });

  test('file sizes', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(2150)).toBe('2.1 KiB');
    expect(formatBytes(5 * 1024 ** 2)).toBe('5.0 MiB');
  });
});
