/**
 * Money is kept in fen (分), whole numbers, everywhere but on screen, where people read and type
 * yuan (元). Parsing is on the digits, never through floating point, so 0.29 yuan is 29 fen.
 */

/** Yuan as typed ("1,234,567.8", "１２３", "¥100") to whole fen; null when it is not an amount. */
export function yuanToFen(text: string): number | null {
  const cleaned = text
    .normalize('NFKC')
    .replace(/[,，\s¥￥元]/g, '')
    .trim();
  const match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match) return null;
  const fen = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(fen) ? fen : null;
}

/** Whole fen as a yuan amount for an input field: 123456 → "1234.56", 100 → "1". */
export function fenToYuanInput(fen: number): string {
  const yuan = Math.trunc(fen / 100);
  const rest = fen % 100;
  return rest === 0 ? String(yuan) : `${yuan}.${String(rest).padStart(2, '0')}`;
}

const grouping = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Whole fen for reading: ¥1,234,567.89 (the same in both languages). */
export function formatYuan(fen: number): string {
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const text = `${grouping.format(Math.trunc(abs / 100)).slice(0, -3)}.${String(abs % 100).padStart(2, '0')}`;
  return `${negative ? '-' : ''}¥${text}`;
}

/** A file size for reading: 1,023 B, 12.3 KiB, 4.5 MiB. */
export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 ** 2) return `${(size / 1024).toFixed(1)} KiB`;
  if (size < 1024 ** 3) return `${(size / 1024 ** 2).toFixed(1)} MiB`;
  return `${(size / 1024 ** 3).toFixed(2)} GiB`;
}
