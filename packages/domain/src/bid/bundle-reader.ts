/**
 * Reading a bid bundle (at the opening, after decryption, and in tests). The bidder made the archive,
 * so it is read as untrusted input: only the layout the writer produces is accepted (stored entries,
 * UTF-8 names, the schedule first, no overlapping or hidden data, names that are safe to extract), and
 * every entry's CRC is checked when it is read.
 */
import { crc32 } from './crc32';
import { BidBundleError } from './errors';
import { assertDistinctPaths, normaliseEntryName, OPENING_SCHEDULE_PATH, splitBundlePath } from './names';
import { decodeOpeningSchedule, type OpeningSchedule } from './schedule';
import { MAX_BUNDLE_FILES, type BidBundleEntry } from './bundle';

/** Random access to the bundle's bytes: an in-memory array, or a file on the server. */
export interface RandomAccessBytes {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface BidBundleReader {
  openingSchedule: OpeningSchedule;
  /** The bidder's files, in archive order. */
  entries: readonly BidBundleEntry[];
  /** One file's content, CRC-checked. */
  read(path: string): Promise<Uint8Array>;
  /** One file's content in pieces of at most `chunkSize`; the CRC is checked after the last piece. */
  stream(path: string, chunkSize?: number): AsyncGenerator<Uint8Array>;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UTF8_FLAG = 0x0800;
const DESCRIPTOR_FLAG = 0x0008;

function malformed(zh: string, en: string): BidBundleError {
  return new BidBundleError('malformed-bundle', { zh: `投标文件包格式错误：${zh}`, en: `malformed bid bundle: ${en}` });
}

export function bytesSource(bytes: Uint8Array): RandomAccessBytes {
  return {
    size: bytes.length,
    read: async (offset, length) => {
      if (offset < 0 || offset + length > bytes.length) throw malformed('越界读取', 'read past the end');
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Lists a bundle held in memory and reads its opening schedule. */
export function readBidBundle(bytes: Uint8Array): Promise<BidBundleReader> {
  return openBidBundle(bytesSource(bytes));
}

interface Located {
  path: string;
  size: number;
  crc: number;
  dataOffset: number;
}

export async function openBidBundle(source: RandomAccessBytes): Promise<BidBundleReader> {
  const { size } = source;
  if (size < 22) throw malformed('文件过短', 'too short to be a ZIP archive');
  // The writer leaves no archive comment, so the end record is the last 22 bytes.
  const end = view(await source.read(size - 22, 22));
  if (end.getUint32(0, true) !== EOCD) throw malformed('缺少结尾记录', 'no end-of-central-directory record at the end');
  const count = end.getUint16(10, true);
  const directorySize = end.getUint32(12, true);
  const directoryOffset = end.getUint32(16, true);
  if (end.getUint16(4, true) !== 0 || end.getUint16(6, true) !== 0 || end.getUint16(8, true) !== count || end.getUint16(20, true) !== 0) {
    throw malformed('不支持分卷或注释', 'multi-disk archives and comments are not supported');
  }
  if (count < 2 || count > MAX_BUNDLE_FILES + 1) throw malformed('文件数量不对', 'wrong number of entries');
  if (directoryOffset + directorySize !== size - 22) throw malformed('中央目录位置不对', 'the central directory is not where the end record says');

  const directory = await source.read(directoryOffset, directorySize);
  const d = view(directory);
  const located: Located[] = [];
  let at = 0;
  let previousEnd = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || d.getUint32(at, true) !== CENTRAL) throw malformed('中央目录损坏', 'damaged central directory');
    const flags = d.getUint16(at + 8, true);
    const method = d.getUint16(at + 10, true);
    const crc = d.getUint32(at + 16, true);
    const stored = d.getUint32(at + 20, true);
    const length = d.getUint32(at + 24, true);
    const nameLength = d.getUint16(at + 28, true);
    const extraLength = d.getUint16(at + 30, true);
    const commentLength = d.getUint16(at + 32, true);
    const localOffset = d.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength + commentLength > directory.length) throw malformed('中央目录损坏', 'damaged central directory');
    const nameBytes = directory.subarray(at + 46, at + 46 + nameLength);
    const path = decodeName(nameBytes, flags);
    if (method !== 0 || stored !== length) throw malformed(`“${path}”不是存储方式（未压缩）`, `"${path}" is not stored uncompressed`);
    if (flags & 0x0001) throw malformed(`“${path}”被加密`, `"${path}" is encrypted`);
    checkPath(path, i);

    // The local header must repeat the name, and entries must follow each other without overlap,
    // so no byte of the archive belongs to two files and nothing hides between them.
    if (localOffset < previousEnd) throw malformed('条目重叠或乱序', 'overlapping or out-of-order entries');
    const local = await source.read(localOffset, Math.min(30 + nameLength, Math.max(0, directoryOffset - localOffset)));
    const l = view(local);
    if (local.length < 30 + nameLength || l.getUint32(0, true) !== LOCAL) throw malformed(`“${path}”的本地头损坏`, `damaged local header of "${path}"`);
    if (l.getUint16(8, true) !== method || l.getUint16(26, true) !== nameLength || !equal(local.subarray(30), nameBytes)) {
      throw malformed(`“${path}”的本地头与目录不符`, `the local header of "${path}" does not match the directory`);
    }
    const dataOffset = localOffset + 30 + nameLength + l.getUint16(28, true);
    previousEnd = dataOffset + length + (l.getUint16(6, true) & DESCRIPTOR_FLAG ? 16 : 0);
    if (previousEnd > directoryOffset) throw malformed(`“${path}”越界`, `"${path}" runs into the central directory`);
    located.push({ path, size: length, crc, dataOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (at !== directory.length) throw malformed('中央目录有多余数据', 'extra data in the central directory');
  assertDistinctPaths(located.map((e) => e.path));

  const byPath = new Map(located.map((e) => [e.path, e]));
  const find = (path: string) => {
    const entry = byPath.get(path);
    if (!entry) throw new BidBundleError('invalid-name', { zh: `文件包中没有“${path}”`, en: `the bundle has no "${path}"` }, path);
    return entry;
  };
  const read = async (path: string) => {
    const entry = find(path);
    const data = await source.read(entry.dataOffset, entry.size);
    if (crc32(data) !== entry.crc) throw malformed(`“${path}”校验和不符`, `checksum mismatch in "${path}"`);
    return data;
  };
  async function* stream(path: string, chunkSize = 1 << 20) {
    const entry = find(path);
    let crc = 0;
    for (let offset = 0; offset < entry.size; offset += chunkSize) {
      const data = await source.read(entry.dataOffset + offset, Math.min(chunkSize, entry.size - offset));
      crc = crc32(data, crc);
      yield data;
    }
    if (crc !== entry.crc) throw malformed(`“${path}”校验和不符`, `checksum mismatch in "${path}"`);
  }

  const openingSchedule = decodeOpeningSchedule(await read(OPENING_SCHEDULE_PATH));
  const entries = located.slice(1).map((e): BidBundleEntry => ({ ...splitBundlePath(e.path)!, path: e.path, size: e.size }));
  return { openingSchedule, entries, read, stream };
}

function checkPath(path: string, index: number) {
  if (index === 0) {
    if (path !== OPENING_SCHEDULE_PATH) throw malformed(`第一个文件应为 ${OPENING_SCHEDULE_PATH}`, `the first entry must be ${OPENING_SCHEDULE_PATH}`);
    return;
  }
  const split = splitBundlePath(path);
  if (!split) throw malformed(`“${path}”不在 commercial/、technical/、price/ 之下`, `"${path}" is not under commercial/, technical/ or price/`);
  // The same rules as when writing, and the name must already be in the form the writer stores.
  if (normaliseEntryName(split.name) !== split.name) throw malformed(`“${path}”不是规范形式（NFC）`, `"${path}" is not in normal form (NFC)`);
}

function decodeName(bytes: Uint8Array, flags: number): string {
  // Without the UTF-8 flag a name is in the archiver's code page (GBK on Chinese Windows): refuse
  // anything non-ASCII rather than guess.
  if (!(flags & UTF8_FLAG) && bytes.some((b) => b > 0x7f)) throw malformed('文件名未使用 UTF-8 编码', 'a file name is not UTF-8 encoded');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw malformed('文件名不是有效的 UTF-8', 'a file name is not valid UTF-8');
  }
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
