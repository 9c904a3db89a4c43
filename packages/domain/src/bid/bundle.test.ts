import { unzipSync, zipSync } from 'fflate';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { bidBundleStream, createBidBundle, type BidBundleFile, type BidBundleInput } from './bundle';
import { openBidBundle, readBidBundle } from './bundle-reader';
import type { BidBundleError } from './errors';

const schedule = { version: 1, priceFen: 98_765_400, durationDays: 365, quality: '合格', bondReference: '保函 BH-7' } as const;
const text = (s: string) => new TextEncoder().encode(s);

/** A file whose stream hands out its bytes in small pieces, as a browser File or fs stream does. */
function file(part: BidBundleFile['part'], name: string, content: Uint8Array, piece = 7): BidBundleFile {
  return {
    part,
    name,
    size: content.length,
    stream: (async function* () {
      for (let i = 0; i < content.length; i += piece) yield content.subarray(i, i + piece);
    })(),
  };
}

async function collect(bytes: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of bytes) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

const sample = (): BidBundleInput => ({
  openingSchedule: schedule,
  files: [
    file('commercial', '营业执照.pdf', text('%PDF-1.7 商务')),
    file('technical', '施工组织设计/总体部署.docx', text('technical '.repeat(100))),
    file('price', 'bill.xlsx', text('price')),
    file('price', 'empty.txt', new Uint8Array(0)),
  ],
});

const reason = async (action: () => unknown) => {
  try {
    await action();
  } catch (error) {
    return { reason: (error as BidBundleError).reason, message: (error as Error).message };
  }
  throw new Error('accepted');
};

describe('bid bundle writer and reader', () => {
  it('writes a stored ZIP that an independent reader and ours both read back', async () => {
    const bundle = createBidBundle(sample());
    const bytes = await collect(bundle.bytes);
    expect(bytes.length).toBe(bundle.size);

    // fflate's own unzip is a different parser from ours.
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual(['opening-schedule.json', 'commercial/营业执照.pdf', 'technical/施工组织设计/总体部署.docx', 'price/bill.xlsx', 'price/empty.txt']);
    expect(JSON.parse(new TextDecoder().decode(files['opening-schedule.json']))).toEqual(schedule);
    // Stored, not compressed: the technical file's bytes appear verbatim in the archive.
    expect(Buffer.from(bytes).includes(Buffer.from('technical '.repeat(100)))).toBe(true);

    const reader = await readBidBundle(bytes);
    expect(reader.openingSchedule).toEqual(schedule);
    expect(reader.entries).toEqual([
      { path: 'commercial/营业执照.pdf', part: 'commercial', name: '营业执照.pdf', size: 15 },
      { path: 'technical/施工组织设计/总体部署.docx', part: 'technical', name: '施工组织设计/总体部署.docx', size: 1000 },
      { path: 'price/bill.xlsx', part: 'price', name: 'bill.xlsx', size: 5 },
      { path: 'price/empty.txt', part: 'price', name: 'empty.txt', size: 0 },
    ]);
    expect(new TextDecoder().decode(await reader.read('commercial/营业执照.pdf'))).toBe('%PDF-1.7 商务');
  });

  it('is reproducible: the same input gives the same bytes', async () => {
    const a = await collect(createBidBundle(sample()).bytes);
    const b = await collect(createBidBundle(sample()).bytes);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('takes and gives web streams, and cancelling the output cancels the file being read', async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(1024)),
      cancel: () => {
        cancelled = true;
      },
    });
    const stream = bidBundleStream({ openingSchedule: schedule, files: [{ part: 'technical', name: 'big.bin', size: 10 << 20, stream: source }] });
    const reader = stream.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(true);
  });

  it('streams 50 MiB with bounded memory: it never reads ahead of its consumer', async () => {
    const size = 50 * 2 ** 20 + 3;
    const piece = 256 * 1024;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const sourceHash = createHash('sha256');
    const source = (async function* () {
      for (let offset = 0; offset < size; offset += piece) {
        const chunk = new Uint8Array(Math.min(piece, size - offset));
        for (let i = 0; i < chunk.length; i += 4096) chunk[i] = (offset + i) & 0xff;
        sourceHash.update(chunk);
        produced += chunk.length;
        yield chunk;
      }
    })();
    const bundle = createBidBundle({ openingSchedule: schedule, files: [{ part: 'technical', name: '图纸.dwg', size, stream: source }] });
    const dir = await mkdtemp(join(tmpdir(), 'ggzy-bundle-'));
    try {
      const path = join(dir, 'bundle.zip');
      const counted = (async function* () {
        for await (const chunk of bundle.bytes) {
          consumed += chunk.length;
          maxAhead = Math.max(maxAhead, produced - consumed);
          yield chunk;
        }
      })();
      await pipeline(Readable.from(counted), createWriteStream(path));
      // At most one source piece is between the file and the consumer at any time.
      expect(maxAhead).toBeLessThanOrEqual(piece);
      expect(consumed).toBe(bundle.size);

      // Read it back from the file without loading it whole.
      const handle = await open(path);
      try {
        const reader = await openBidBundle({
          size: bundle.size,
          read: async (offset, length) => {
            const buffer = new Uint8Array(length);
            await handle.read(buffer, 0, length, offset);
            return buffer;
          },
        });
        expect(reader.entries).toEqual([{ path: 'technical/图纸.dwg', part: 'technical', name: '图纸.dwg', size }]);
        const readHash = createHash('sha256');
        for await (const chunk of reader.stream('technical/图纸.dwg', 4 << 20)) readHash.update(chunk);
        expect(readHash.digest('hex')).toBe(sourceHash.digest('hex'));
      } finally {
        await handle.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['../secret.pdf', /路径穿越/],
    ['a/../../b.pdf', /路径穿越/],
    ['./a.pdf', /路径穿越/],
    ['/etc/passwd', /不能以 \/ 开头/],
    ['a\\..\\b.pdf', /不允许的字符/],
    ['C:evil.pdf', /不允许的字符/],
    ['a\u0000.pdf', /不允许的字符/],
    ['a//b.pdf', /空的路径段/],
    ['folder/', /空的路径段/],
    ['', /为空/],
    ['report.pdf.', /以 \. 结尾/],
    [' report.pdf', /空格/],
    ['CON.txt', /保留名称/],
    [`${'投'.repeat(86)}.pdf`, /255 字节/],
    [Array.from({ length: 9 }, () => 'd').join('/'), /8 层/],
  ])('refuses the file name %j', async (name, message) => {
    const refused = await reason(() => createBidBundle({ openingSchedule: schedule, files: [file('commercial', name, text('x'))] }));
    expect(refused.reason).toBe('invalid-name');
    expect(refused.message).toMatch(message);
  });

  it('refuses duplicates (ignoring case and Unicode form), a file that is also a folder, no files, and wrong sizes', async () => {
    const twice = await reason(() => createBidBundle({ openingSchedule: schedule, files: [file('price', 'Bill.xlsx', text('1')), file('price', 'bill.XLSX', text('2'))] }));
    expect(twice).toMatchObject({ reason: 'duplicate-name', message: expect.stringMatching(/重名/) });
    // "é" precomposed and decomposed are one name on screen and on macOS.
    const forms = await reason(() => createBidBundle({ openingSchedule: schedule, files: [file('price', 'caf\u00e9.pdf', text('1')), file('price', 'cafe\u0301.pdf', text('2'))] }));
    expect(forms.reason).toBe('duplicate-name');
    const folder = await reason(() => createBidBundle({ openingSchedule: schedule, files: [file('technical', 'a', text('1')), file('technical', 'A/b.pdf', text('2'))] }));
    expect(folder).toMatchObject({ reason: 'duplicate-name', message: expect.stringMatching(/既是文件又是/) });
    // The same name in two parts is two different paths.
    expect(createBidBundle({ openingSchedule: schedule, files: [file('price', 'a.pdf', text('1')), file('technical', 'a.pdf', text('2'))] }).entries).toHaveLength(2);

    expect(await reason(() => createBidBundle({ openingSchedule: schedule, files: [] }))).toMatchObject({ reason: 'no-files', message: expect.stringMatching(/至少需要一个文件/) });
    const unknownPart = await reason(() => createBidBundle({ openingSchedule: schedule, files: [{ ...file('price', 'a.pdf', text('1')), part: 'other' as 'price' }] }));
    expect(unknownPart.reason).toBe('invalid-name');

    const longer = await reason(() => collect(createBidBundle({ openingSchedule: schedule, files: [{ ...file('price', 'a.pdf', text('12345')), size: 4 }] }).bytes));
    expect(longer).toMatchObject({ reason: 'size-mismatch', message: expect.stringMatching(/多于声明的 4 字节/) });
    const shorter = await reason(() => collect(createBidBundle({ openingSchedule: schedule, files: [{ ...file('price', 'a.pdf', text('12345')), size: 6 }] }).bytes));
    expect(shorter).toMatchObject({ reason: 'size-mismatch', message: expect.stringMatching(/少于声明的 6 字节/) });
  });

  it('refuses an invalid opening schedule before reading any file', async () => {
    let pulled = false;
    const refused = await reason(() =>
      createBidBundle({
        openingSchedule: { ...schedule, priceFen: 100.5 },
        files: [{ part: 'price', name: 'a.pdf', size: 1, stream: new ReadableStream({ pull: () => void (pulled = true) }, { highWaterMark: 0 }) }],
      }),
    );
    expect(refused).toMatchObject({ reason: 'invalid-schedule', message: expect.stringMatching(/^开标一览表（priceFen）：投标报价应精确到分/) });
    expect(pulled).toBe(false);
  });

  it('reads only bundles laid out as the writer lays them out', async () => {
    const good = await collect(createBidBundle(sample()).bytes);
    const stored = (files: Record<string, Uint8Array>) => zipSync(files, { level: 0 });
    const sched = text(JSON.stringify(schedule));

    expect(await reason(() => readBidBundle(stored({ 'commercial/a.pdf': text('a'), 'opening-schedule.json': sched })))).toMatchObject({ message: expect.stringMatching(/第一个文件应为 opening-schedule.json/) });
    expect(await reason(() => readBidBundle(stored({ 'opening-schedule.json': sched, 'commercial/../../evil.sh': text('a') })))).toMatchObject({ reason: 'invalid-name', message: expect.stringMatching(/路径穿越/) });
    expect(await reason(() => readBidBundle(stored({ 'opening-schedule.json': sched, 'other/a.pdf': text('a') })))).toMatchObject({ message: expect.stringMatching(/不在 commercial/) });
    expect(await reason(() => readBidBundle(zipSync({ 'opening-schedule.json': sched, 'price/a.txt': text('a'.repeat(1000)) })))).toMatchObject({ message: expect.stringMatching(/不是存储方式/) });
    expect(await reason(() => readBidBundle(stored({ 'opening-schedule.json': text('{"version":1}'), 'price/a.txt': text('a') })))).toMatchObject({ reason: 'invalid-schedule' });
    expect(await reason(() => readBidBundle(good.subarray(0, good.length - 1)))).toMatchObject({ reason: 'malformed-bundle' });

    // A flipped byte inside a file's data: listing still works, reading that file fails its CRC.
    const damaged = good.slice();
    const at = Buffer.from(damaged).indexOf(Buffer.from('technical technical'));
    damaged[at]! ^= 0x01;
    const reader = await readBidBundle(damaged);
    expect(await reason(() => reader.read('technical/施工组织设计/总体部署.docx'))).toMatchObject({ message: expect.stringMatching(/校验和不符/) });
    expect(await reason(() => collect(reader.stream('technical/施工组织设计/总体部署.docx', 64)))).toMatchObject({ message: expect.stringMatching(/校验和不符/) });
    expect(await reason(() => reader.read('price/nope.pdf'))).toMatchObject({ message: expect.stringMatching(/没有/) });
  });
});
