/**
 * Sealing figure (DESIGN.md §4): sealing a large bid file from disk to disk through the code path
 * `ggzy seal` uses (packages/cli/src/seal.ts: the envelope with Node's native backend), beside
 * `openssl enc -aes-256-ctr` over the same file in the same run. OpenSSL's CTR is the floor for
 * "read, encrypt, write": sealing additionally authenticates every chunk (GCM) and hashes the bid
 * and the whole envelope (SHA-256 twice), so the ratio says what those cost on top of the I/O.
 */
import { createKeyPairAndCsr, createPlatformCa, issueCertificate } from '@ggzy/crypto';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sealFile } from '../packages/cli/src/seal';
import { median } from './machine';

export interface SealMeasurement {
  bytes: number;
  rounds: number;
  /** Median wall-clock seconds. */
  sealSeconds: number;
  opensslSeconds: number;
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const piece = 64 * 1024 * 1024;
  for (let written = 0; written < bytes; written += piece) {
    const chunk = randomBytes(Math.min(piece, bytes - written));
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

export async function measureSeal(options: { bytes: number; rounds: number }): Promise<SealMeasurement> {
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-seal-'));
  try {
    const input = join(dir, 'bid.bin');
    await writeRandomFile(input, options.bytes);
    await readFile(input).then(() => undefined, () => undefined); // both contenders start with the file in the page cache

    // A bidder certificate from a throw-away platform CA, as `ggzy seal --to` takes it.
    const ca = await createPlatformCa({ commonName: 'Bench CA', organisation: 'Bench', validityYears: 1, modulusLength: 2048 });
    const enrolment = await createKeyPairAndCsr({ subject: { commonName: 'Bench Bidder', organisation: 'Bench Bidder', creditCode: '91310000MA1FL0000X' } });
    const certificate = join(dir, 'bidder.pem');
    await writeFile(certificate, issueCertificate({ ca, csrPem: enrolment.csrPem, usage: 'bidder', validityDays: 30 }).certificatePem);

    const openssl = promisify(execFile);
    const sealTimes: number[] = [];
    const opensslTimes: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Fresh output paths each time: overwriting a file would charge one side for freeing the old pages.
      const ctr = join(dir, `ctr-${round}.bin`);
      const sealed = join(dir, `sealed-${round}.ggzy`);
      const key = randomBytes(32).toString('hex');
      const iv = randomBytes(16).toString('hex');
      // Alternate who goes first, so that neither always runs on a cooler machine.
      const runOpenssl = async () =>
        opensslTimes.push(await timed(() => openssl('openssl', ['enc', '-aes-256-ctr', '-K', key, '-iv', iv, '-in', input, '-out', ctr])));
      const runSeal = async () => sealTimes.push(await timed(() => sealFile({ input, output: sealed, to: [certificate] })));
      if (round % 2 === 0) {
        await runOpenssl();
        await runSeal();
      } else {
        await runSeal();
        await runOpenssl();
      }
      await rm(ctr, { force: true });
      await rm(sealed, { force: true });
    }
    return { bytes: options.bytes, rounds: options.rounds, sealSeconds: median(sealTimes), opensslSeconds: median(opensslTimes) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
