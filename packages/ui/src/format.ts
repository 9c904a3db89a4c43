/**
 * Formatting shared by every screen. Times are shown in China Standard Time whatever the browser's
 * or server's zone, so the bidder, the centre and the supervisor read the same clock (DESIGN.md §2:
 * the server's clock decides).
 */
export type Lang = 'zh' | 'en';

const formatters = new Map<Lang, Intl.DateTimeFormat>();

export function formatDateTime(value: string | Date, lang: Lang): string {
  let formatter = formatters.get(lang);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    formatters.set(lang, formatter);
  }
  return formatter.format(typeof value === 'string' ? new Date(value) : value);
}

/** A hash shortened for tables: the first and last characters, the whole in the title. */
export function shortHash(hex: string, keep = 8): string {
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-keep)}`;
}
