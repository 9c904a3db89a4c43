/**
 * `ggzy bundle`: the bid bundle (投标文件包, `@ggzy/domain/bid`) from files on disk: the opening
 * schedule (a JSON file) and the bidder's files, each under its part. Files are opened only when the
 * bundle reaches them, so a bundle of many files holds one file descriptor at a time.
 */
import { createBidBundle, parseOpeningSchedule, type BidBundle, type BidBundleFile, type BidBundlePart } from '@ggzy/domain/bid';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError } from './errors';
import { readJsonFile, writeStreamAtomic } from './files';

export interface BundleFilesOptions {
  schedule: string;
  commercial?: string[] | undefined;
  technical?: string[] | undefined;
  price?: string[] | undefined;
}

export const hasBundleFiles = (o: Partial<BundleFilesOptions>) => Boolean(o.schedule || o.commercial?.length || o.technical?.length || o.price?.length);

export async function bundleFromFiles(options: BundleFilesOptions): Promise<BidBundle> {
  const openingSchedule = parseOpeningSchedule(await readJsonFile(options.schedule, { zh: '开标一览表', en: 'the opening schedule' }));
  const files: BidBundleFile[] = [];
  for (const part of ['commercial', 'technical', 'price'] as const satisfies readonly BidBundlePart[]) {
    for (const path of options[part] ?? []) files.push(await fileOf(part, path));
  }
  return createBidBundle({ openingSchedule, files });
}

async function fileOf(part: BidBundlePart, path: string): Promise<BidBundleFile> {
  const info = await stat(path).catch((error: unknown) => {
    throw new CliError(`无法读取文件 ${path} / cannot read ${path}: ${(error as Error).message}`);
  });
  if (!info.isFile()) throw new CliError(`不是普通文件：${path} / not a regular file: ${path}`);
  return {
    part,
    name: basename(path),
    size: info.size,
    // Opened lazily: createReadStream would open the file at once.
    stream: (async function* () {
      yield* createReadStream(path) as AsyncIterable<Uint8Array>;
    })(),
  };
}

/** Writes the bundle to a file (plaintext: keep it on the bidder's machine). */
export async function writeBundle(options: BundleFilesOptions & { out: string }): Promise<BidBundle> {
  const bundle = await bundleFromFiles(options);
  await writeStreamAtomic(options.out, bundle.bytes, { mode: 0o600 });
  return bundle;
}
