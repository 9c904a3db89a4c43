/**
 * Sealing figure (DESIGN.md §4): sealing a large bid file from disk to disk through the code path
 * `ggzy seal` uses (packages/cli/src/seal.ts: the envelope with Node's native backend), beside
 * `openssl enc -aes-256-ctr` over the same file in the same run. OpenSSL's CTR is the floor for
 * "read, encrypt, write": sealing additionally authenticates every chunk (GCM) and hashes the bid
 * and the whole envelope (SHA-256 twice), so the ratio says what those cost on top of the I/O.
 *
 * Both sides run in the same conditions: the input on disk (synced once before the rounds, so that
 * its writeback falls into nobody's run) and in the page cache, a fresh output path, no fsync of the
 * output, and each contender's output removed as soon as its run is timed, before the other starts.
 * The order alternates; the figures are medians. The harness makes the input without leaving garbage
 * in this process, where the sealing runs (writeRandomFile).
 *
 * Changed with docs/decisions/008-parallel-sealing.md, which has the numbers: both outputs used to be
 * removed at the end of the round, so whoever ran second ran beside the kernel flushing the first
 * one's gigabyte of dirty pages (on the 2-core machine measured, openssl took 1.1 s first and
 * 2.0–2.2 s second, the seal 0.3–0.6 s more second; with three rounds the seal ran second twice),
 * the input's writeback fell into the first rounds, and a whole-file readFile plus the 64 MiB random
 * pieces left 2 GiB of dead Buffers to be freed during the seal. openssl's command is unchanged.
 */
import { createKeyPairAndCsr, createPlatformCa, issueCertificate } from '@ggzy/crypto';
import { execFile } from 'node:child_process';
import { randomBytes, randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
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

/**
 * The bid: random bytes through one reused buffer, synced to disk, then read once through the same
 * buffer so that it is in the page cache. The sealing runs in this process, so the harness must not
 * leave garbage behind for it: a gigabyte of dead Buffers (64 MiB random pieces, a whole-file
 * readFile) is freed by the garbage collector in the middle of a timed seal.
 */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  const piece = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    for (let written = 0; written < bytes; ) {
      const n = Math.min(piece.length, bytes - written);
      randomFillSync(piece, 0, n);
      for (let o = 0; o < n; ) o += (await file.write(piece, o, n - o)).bytesWritten;
      written += n;
    }
    await file.sync(); // no writeback of the input during the rounds, beside whichever runs
  } finally {
    await file.close();
  }
  const again = await open(path, 'r');
  try {
    while ((await again.read(piece, 0, piece.length, null)).bytesRead > 0);
  } finally {
    await again.close();
  }
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
    await writeRandomFile(input, options.bytes); // on disk and in the page cache for both contenders
    // Earlier benchmarks' writes (gigabytes of uploads) must not be flushing beside either contender.
    await promisify(execFile)('sync');

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
      const runOpenssl = async () => {
        opensslTimes.push(await timed(() => openssl('openssl', ['enc', '-aes-256-ctr', '-K', key, '-iv', iv, '-in', input, '-out', ctr])));
        await rm(ctr, { force: true });
      };
      const runSeal = async () => {
        sealTimes.push(await timed(() => sealFile({ input, output: sealed, to: [certificate] })));
        await rm(sealed, { force: true });
      };
      if (round % 2 === 0) {
        await runOpenssl();
        await runSeal();
      } else {
        await runSeal();
        await runOpenssl();
      }
    }
    return { bytes: options.bytes, rounds: options.rounds, sealSeconds: median(sealTimes), opensslSeconds: median(opensslTimes) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
