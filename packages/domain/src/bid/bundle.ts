/**
 * The bid bundle (投标文件包): the plaintext that gets sealed. A ZIP archive, stored (not compressed:
 * PDFs and spreadsheets barely compress, and stored entries keep sealing a straight byte stream), with
 * `opening-schedule.json` first and the bidder's files under `commercial/`, `technical/`, `price/`.
 *
 * The writer streams: it holds one chunk of one file at a time, pulls the next chunk only when its
 * consumer asks (so a 1 GiB bid sealed in a browser Web Worker never sits in memory), and uses only
 * what browsers, workers and Node all have (fflate, TextEncoder, ReadableStream).
 */
import { Zip, ZipPassThrough } from 'fflate';
import { BidBundleError } from './errors';
import { assertDistinctPaths, BID_BUNDLE_PARTS, normaliseEntryName, OPENING_SCHEDULE_PATH, PART_LABELS, type BidBundlePart } from './names';
import { encodeOpeningSchedule, type OpeningSchedule } from './schedule';

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface BidBundleFile {
  part: BidBundlePart;
  /** The file's name, `/` allowed for sub-folders; checked and stored in Unicode NFC. */
  name: string;
  /** Its exact size in bytes: the stream must deliver exactly this many. */
  size: number;
  stream: ByteSource;
}

export interface BidBundleInput {
  openingSchedule: OpeningSchedule;
  files: readonly BidBundleFile[];
}

export interface BidBundleEntry {
  /** The path inside the archive, `<part>/<name>`. */
  path: string;
  part: BidBundlePart;
  name: string;
  size: number;
}

export interface BidBundle {
  /** The exact size of the archive in bytes, known before a byte is written (progress, size limits). */
  size: number;
  entries: readonly BidBundleEntry[];
  /** The archive, once: iterate it a single time. */
  bytes: AsyncIterable<Uint8Array>;
}

export const MAX_BUNDLE_FILES = 1000;
/** fflate writes no ZIP64 records, so every size and offset must fit in 32 bits. */
export const MAX_BUNDLE_BYTES = 0xffff_ffff;

const LOCAL_HEADER = 30;
const DATA_DESCRIPTOR = 16;
const CENTRAL_HEADER = 46;
const END_OF_CENTRAL_DIRECTORY = 22;
/**
 * A fixed modification time (local midnight, so the DOS date fields are the same in every time zone):
 * the same files and schedule then give the same bundle, byte for byte, and the archive does not
 * reveal when the bidder prepared each file.
 */
const MTIME = new Date(2000, 0, 1);

const utf8 = new TextEncoder();

/** What the bundle will hold and how large it will be; validates names, sizes and the schedule. */
export function planBidBundle(input: { openingSchedule: OpeningSchedule; files: readonly Omit<BidBundleFile, 'stream'>[] }): {
  size: number;
  entries: BidBundleEntry[];
  schedule: Uint8Array;
} {
  const schedule = encodeOpeningSchedule(input.openingSchedule);
  if (input.files.length === 0) {
    throw new BidBundleError('no-files', { zh: '投标文件包至少需要一个文件', en: 'a bid bundle needs at least one file' });
  }
  if (input.files.length > MAX_BUNDLE_FILES) {
    throw new BidBundleError('too-many-files', { zh: `文件不能超过 ${MAX_BUNDLE_FILES} 个`, en: `at most ${MAX_BUNDLE_FILES} files` });
  }
  const entries = input.files.map((file): BidBundleEntry => {
    if (!BID_BUNDLE_PARTS.includes(file.part)) {
      throw new BidBundleError('invalid-name', { zh: `未知的投标文件部分“${String(file.part)}”`, en: `unknown bid part "${String(file.part)}"` });
    }
    const name = normaliseEntryName(file.name);
    const path = `${file.part}/${name}`;
    if (!Number.isSafeInteger(file.size) || file.size < 0) {
      throw new BidBundleError('size-mismatch', { zh: `文件“${path}”的大小无效`, en: `file "${path}" has an invalid size` }, path);
    }
    return { path, part: file.part, name, size: file.size };
  });
  assertDistinctPaths(entries.map((e) => e.path));
  let size = END_OF_CENTRAL_DIRECTORY;
  for (const [path, bytes] of [[OPENING_SCHEDULE_PATH, schedule.length] as const, ...entries.map((e) => [e.path, e.size] as const)]) {
    size += LOCAL_HEADER + DATA_DESCRIPTOR + CENTRAL_HEADER + 2 * utf8.encode(path).length + bytes;
  }
  if (size > MAX_BUNDLE_BYTES) {
    throw new BidBundleError('too-large', {
      zh: `投标文件包不能超过 4 GiB（现为 ${size} 字节）`,
      en: `a bid bundle is at most 4 GiB (this one would be ${size} bytes)`,
    });
  }
  return { size, entries, schedule };
}

/**
 * Builds the bundle. Everything is validated here, before the first byte, so a form can show the
 * problem at once; the file streams are read only as `bytes` is consumed.
 */
export function createBidBundle(input: BidBundleInput): BidBundle {
  const plan = planBidBundle(input);
  const sources = input.files.map((file) => file.stream);
  return { size: plan.size, entries: plan.entries, bytes: writeArchive(plan, sources) };
}

/** The same bundle as a web stream, for `Response`, `fetch` bodies or `pipeTo`. */
export function bidBundleStream(input: BidBundleInput): ReadableStream<Uint8Array> {
  return toByteStream(createBidBundle(input).bytes);
}

async function* writeArchive(plan: ReturnType<typeof planBidBundle>, sources: ByteSource[]): AsyncGenerator<Uint8Array> {
  // fflate calls back synchronously from push(); the queue holds what one push produced (a header
  // and one chunk) until the consumer takes it.
  const queue: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure ??= error;
    else if (data.length > 0) queue.push(data);
  });
  let written = 0;
  function* flush() {
    if (failure) throw failure;
    for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
      written += chunk.length;
      yield chunk;
    }
  }
  const open = (path: string) => {
    const entry = new ZipPassThrough(path);
    entry.mtime = MTIME;
    zip.add(entry);
    return entry;
  };

  // Entries are added one after the other, each only once the previous is complete: fflate would
  // otherwise buffer a later entry's data in memory until the earlier one ends.
  open(OPENING_SCHEDULE_PATH).push(plan.schedule, true);
  yield* flush();
  for (const [i, entry] of plan.entries.entries()) {
    const file = open(entry.path);
    let seen = 0;
    for await (const chunk of iterateByteSource(sources[i]!)) {
      seen += chunk.length;
      if (seen > entry.size) throw sizeMismatch(entry, seen, 'more');
      if (chunk.length === 0) continue;
      file.push(chunk, false);
      yield* flush();
    }
    if (seen !== entry.size) throw sizeMismatch(entry, seen, 'less');
    file.push(new Uint8Array(0), true);
    yield* flush();
  }
  zip.end();
  yield* flush();
  // The planned size is what callers put in progress bars and size checks; it must be exact.
  if (written !== plan.size) throw new Error(`bid bundle: wrote ${written} bytes, planned ${plan.size}`);
}

function sizeMismatch(entry: BidBundleEntry, seen: number, how: 'more' | 'less') {
  const label = PART_LABELS[entry.part];
  return new BidBundleError(
    'size-mismatch',
    {
      zh: `${label.zh}“${entry.name}”的内容${how === 'more' ? '多于' : '少于'}声明的 ${entry.size} 字节（文件在读取时被修改？）`,
      en: `${label.en} "${entry.name}" delivered ${how === 'more' ? 'more' : 'fewer'} bytes than its declared ${entry.size} (${seen}; was the file changed while reading?)`,
    },
    entry.path,
  );
}

/** Reads either kind of source; a web stream through its reader, since not every browser can iterate one. */
export async function* iterateByteSource(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (!('getReader' in source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (an error, or the consumer gave up): tell the source so it can release the file.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** A pull-driven web stream over an async iterable: nothing is read ahead of the consumer. */
export function toByteStream(iterable: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = iterable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
