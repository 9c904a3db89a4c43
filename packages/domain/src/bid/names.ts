/**
 * Names of the bidder's files inside a bid bundle. The bundle is extracted at the opening on whatever
 * machine the centre uses, so a name must be safe on every common file system: no path traversal, no
 * characters Windows refuses, no two names that the same case-insensitive file system would merge.
 */
import { BidBundleError } from './errors';

export const BID_BUNDLE_PARTS = ['commercial', 'technical', 'price'] as const;
export type BidBundlePart = (typeof BID_BUNDLE_PARTS)[number];
export const OPENING_SCHEDULE_PATH = 'opening-schedule.json';

export const PART_LABELS: Record<BidBundlePart, { zh: string; en: string }> = {
  commercial: { zh: '商务文件', en: 'commercial part' },
  technical: { zh: '技术文件', en: 'technical part' },
  price: { zh: '报价文件', en: 'price part' },
};

/** Most file systems cap a name at 255 bytes; Chinese characters take 3 bytes each in UTF-8. */
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;
const MAX_DEPTH = 8;
// Control characters and what Windows refuses in a name; `/` separates folders, `\` is refused so
// that no reader can take it for a separator.
const FORBIDDEN = /[\u0000-\u001f\u007f\\:*?"<>|]/u;
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/iu;

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

function refuse(path: string, zh: string, en: string): never {
  throw new BidBundleError('invalid-name', { zh: `文件名“${path}”${zh}`, en: `file name "${path}" ${en}` }, path);
}

/**
 * Checks a bidder's file name (which may contain `/` for sub-folders) and returns it in Unicode NFC,
 * the form stored in the bundle (macOS hands out decomposed names; the same name must not appear twice
 * in two forms).
 */
export function normaliseEntryName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) refuse(String(name), '为空', 'is empty');
  const nfc = name.normalize('NFC');
  if (FORBIDDEN.test(nfc)) refuse(nfc, '含有不允许的字符（控制字符或 \\ : * ? " < > |）', 'contains a character that is not allowed (control characters or \\ : * ? " < > |)');
  if (nfc.startsWith('/')) refuse(nfc, '不能以 / 开头', 'must not start with /');
  const segments = nfc.split('/');
  if (segments.length > MAX_DEPTH) refuse(nfc, `的目录层级不能超过 ${MAX_DEPTH} 层`, `is nested deeper than ${MAX_DEPTH} levels`);
  for (const segment of segments) {
    if (segment === '') refuse(nfc, '含有空的路径段', 'has an empty path segment');
    if (segment === '.' || segment === '..') refuse(nfc, '不能含有 . 或 ..（路径穿越）', 'must not contain . or .. (path traversal)');
    if (segment.trim() !== segment) refuse(nfc, '的各段不能以空格开头或结尾', 'has a segment starting or ending with a space');
    if (segment.endsWith('.')) refuse(nfc, '的各段不能以 . 结尾', 'has a segment ending with a dot');
    if (RESERVED.test(segment)) refuse(nfc, '使用了系统保留名称', 'uses a name reserved by Windows');
    if (utf8Length(segment) > MAX_SEGMENT_BYTES) refuse(nfc, `的每一段不能超过 ${MAX_SEGMENT_BYTES} 字节`, `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  if (utf8Length(nfc) > MAX_PATH_BYTES - 16) refuse(nfc, '过长', 'is too long');
  return nfc;
}

/**
 * Refuses duplicates among full paths, compared as a case-insensitive file system would, and a path
 * that is also another path's folder (`a.pdf` and `a.pdf/b.pdf` cannot both be extracted).
 */
export function assertDistinctPaths(paths: readonly string[]): void {
  const files = new Map<string, string>();
  for (const path of paths) {
    const key = path.normalize('NFC').toLowerCase();
    const previous = files.get(key);
    if (previous !== undefined) {
      throw new BidBundleError(
        'duplicate-name',
        { zh: `文件“${path}”与“${previous}”重名（不区分大小写）`, en: `file "${path}" has the same name as "${previous}" (ignoring case)` },
        path,
      );
    }
    files.set(key, path);
  }
  for (const [key, path] of files) {
    const segments = key.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = files.get(segments.slice(0, i).join('/'));
      if (folder !== undefined) {
        throw new BidBundleError(
          'duplicate-name',
          { zh: `“${folder}”既是文件又是“${path}”的目录`, en: `"${folder}" is both a file and the folder of "${path}"` },
          path,
        );
      }
    }
  }
}

/** Splits a bundle path into its part and the bidder's name; null for anything outside the parts. */
export function splitBundlePath(path: string): { part: BidBundlePart; name: string } | null {
  const slash = path.indexOf('/');
  if (slash < 0) return null;
  const part = path.slice(0, slash) as BidBundlePart;
  return BID_BUNDLE_PARTS.includes(part) ? { part, name: path.slice(slash + 1) } : null;
}
