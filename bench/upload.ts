/**
 * Sealed-bid uploads under a deadline rush (DESIGN.md §6: hundreds of bidders uploading in the last
 * minutes): N bidder companies, each with a certificate, upload a sealed envelope concurrently
 * through the real API process over HTTP (tus, 16 MiB PATCHes like the CLI) into the disk store,
 * then all submit at the same instant. Beside it, the raw write rate of the same bytes with fs
 * (fsynced, as the store does) in the same run.
 */
import { announcedSection, createBidders, signedSubmit, testPlatformCa, type TestBidder } from '@ggzy/api/testing';
import { verifyReceipt, type Receipt } from '@ggzy/api';
import { sealEnvelope, type SealSummary } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { bid, eq, executeRows, sql, and } from '@ggzy/db';
import { createTestDatabase } from '@ggzy/db/testing';
import { seedDemo } from '@ggzy/api';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomBytes, X509Certificate } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../apps/api/src/main.ts', import.meta.url));
const PATCH_BYTES = 16 * 2 ** 20;

export interface UploadFigures {
  bidders: number;
  envelopeBytes: number;
  uploadSeconds: number;
  uploadMBps: number;
  rawMBps: number;
  bidsLost: number;
  receiptsValid: number;
  submitP50: number;
  submitP99: number;
  submitMax: number;
  submitWallMs: number;
  /** PATCHes that failed on the network and were resumed from the server's offset. */
  resumed: number;
  /** CPU time (user + system) of the API process over the submit phase, per submit; null off Linux. */
  apiCpuMsPerSubmit: number | null;
  /**
   * Submits sent again after a network failure (a keep-alive connection the server closed as it was
   * reused): the same signed request, which by contract gets the same receipt and creates nothing.
   * Their latency counts from the first attempt.
   */
  submitRetries: number;
  /** Baseline: the same number of one-row INSERT transactions fired at once on the same database. */
  insertP50: number;
  insertP99: number;
  /** The same bidders replacing their bids, the submits spread evenly over one second: p50 / p99 (ms). */
  spreadP50: number;
  spreadP99: number;
  /** Replacement receipts that verify and name the bid that now counts. */
  spreadValid: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface SealingInfo {
  suite: string;
  recipients: Array<{ role: 'bidder' | 'opening'; publicKeySpki: string }>;
  metadata: Record<string, string>;
}

/** What the bid page and `ggzy seal --section` ask first: the suite, the recipients' keys, the metadata. */
async function sealingInfoOf(base: string, bidder: TestBidder, sectionId: string): Promise<SealingInfo> {
  const response = await fetch(`${base}/api/trpc/bidding.sealingInfo?input=${encodeURIComponent(JSON.stringify({ sectionId }))}`, { headers: { cookie: bidder.cookie } });
  const body = (await response.json()) as { result?: { data: SealingInfo }; error?: unknown };
  if (!body.result) throw new Error(`sealingInfo: ${JSON.stringify(body.error).slice(0, 300)}`);
  return body.result.data;
}

async function sealTo(file: string, info: SealingInfo, plaintextBytes: number) {
  async function* plaintext() {
    for (let left = plaintextBytes; left > 0; left -= 2 ** 20) yield randomBytes(Math.min(2 ** 20, left));
  }
  const sealed = await sealEnvelope({
    plaintext: plaintext(),
    recipients: info.recipients.map((r) => ({ role: r.role, publicKey: new Uint8Array(Buffer.from(r.publicKeySpki, 'base64')) })),
    metadata: info.metadata,
    backend: nodeBackend,
  });
  await pipeline(Readable.from(sealed.bytes), createWriteStream(file));
  return sealed.summary;
}

/** CPU time of a process so far (user + system, ms), from /proc on Linux (clock ticks of 10 ms); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14, 15 of stat)
  } catch {
    return null;
  }
}

export function startApi(env: Record<string, string>): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  // API_CPU_PROFILE=<folder>: the API process writes a V8 CPU profile there when it stops.
  const profile = process.env.API_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.API_CPU_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const line = output.split('\n').find((l) => l.includes('API listening'));
      if (!line) return;
      clearInterval(timer);
      const url = (JSON.parse(line) as { url: string }).url;
      resolve({
        url,
        pid: child.pid,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`the API exited (${code}): ${output}`));
    });
  });
}

/**
 * A POST on a connection of its own, as 200 bidders on 200 machines would send it (no pooled
 * keep-alive socket from the upload phase, which the server may be closing as it is reused).
 */
function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<{ json(): Promise<unknown> }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ json: async () => JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Writes back every dirty page (sync(1)), so that a measurement does not share the disk with earlier phases' writeback. */
function flushDisk(): Promise<void> {
  return new Promise((resolve) => spawn('sync', [], { stdio: 'ignore' }).once('exit', () => resolve()).once('error', () => resolve()));
}

let resumed = 0;

/**
 * One bidder's upload as the CLI does it: create, then PATCHes of 16 MiB streamed from the file; a
 * PATCH that fails on the network is resumed from the offset the server reports (HEAD), as
 * tus-js-client does.
 */
async function upload(base: string, bidder: TestBidder, sectionId: string, file: string, size: number): Promise<string> {
  const headers = { cookie: bidder.cookie, 'x-csrf-token': 'bench-csrf', 'tus-resumable': '1.0.0' };
  const created = await fetch(`${base}/api/uploads`, {
    method: 'POST',
    headers: { ...headers, 'upload-length': String(size), 'upload-metadata': `sectionId ${Buffer.from(sectionId).toString('base64')}` },
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const url = new URL(created.headers.get('location')!, base).toString();
  let offset = 0;
  for (let failures = 0; offset < size; ) {
    const end = Math.min(size, offset + PATCH_BYTES);
    try {
      const response = await fetch(url, {
        method: 'PATCH',
        signal: AbortSignal.timeout(300_000),
        headers: { ...headers, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': String(end - offset) },
        body: Readable.toWeb(createReadStream(file, { start: offset, end: end - 1 })) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 204) throw new Error(`patch: ${response.status} ${await response.text()}`);
      offset = Number(response.headers.get('upload-offset'));
    } catch (error) {
      if (++failures > 3) throw error;
      resumed++;
      await new Promise((r) => setTimeout(r, 500 * failures));
      const head = await fetch(url, { method: 'HEAD', headers });
      offset = Number(head.headers.get('upload-offset'));
    }
  }
  return url.split('/').at(-1)!;
}

export async function measureUploads(options: { bidders: number; envelopeMiB: number }): Promise<UploadFigures> {
  const database = await createTestDatabase({ max: 8 });
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-bench-upload-'));
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  try {
    const db = database.db;
    await seedDemo(db);
    const ca = await testPlatformCa();
    await mkdir(join(dir, 'keys'), { recursive: true });
    await writeFile(join(dir, 'keys', 'ca.key.pem'), ca.privateKeyPem);
    await writeFile(join(dir, 'keys', 'ca.cert.pem'), ca.certificatePem);
    const section = await announcedSection(db, { deadlineIn: '3 hours' });
    console.log(`  making ${options.bidders} bidder companies with certificates …`);
    const bidders = await createBidders({ db, pki: { ca, trustedRootsPem: [] } }, options.bidders);

    api = await startApi({
      DATABASE_URL: database.url!,
      DATA_DIR: join(dir, 'api'),
      API_PORT: '0',
      SEED_DEMO: 'false',
      CA_KEY_FILE: join(dir, 'keys', 'ca.key.pem'),
      CA_CERT_FILE: join(dir, 'keys', 'ca.cert.pem'),
      CHECKPOINT_KEY: randomBytes(32).toString('base64'),
      RECEIPT_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
    });

    console.log(`  sealing ${options.bidders} envelopes of ${options.envelopeMiB} MiB to what bidding.sealingInfo names, as the bid page and the CLI do …`);
    await mkdir(join(dir, 'envelopes'));
    const plaintextBytes = options.envelopeMiB * 2 ** 20 - 2048;
    const files = bidders.map((_, i) => join(dir, 'envelopes', `${i}.ggzy`));
    const summaries: SealSummary[] = [];
    const infos: SealingInfo[] = [];
    for (let i = 0; i < bidders.length; i += 2) {
      summaries.push(
        ...(await Promise.all(
          bidders.slice(i, i + 2).map(async (b, k) => {
            const info = await sealingInfoOf(api!.url, b, section.id);
            infos[i + k] = info;
            return sealTo(files[i + k]!, info, plaintextBytes);
          }),
        )),
      );
    }
    const envelopeBytes = summaries.reduce((n, s) => n + s.envelopeBytes, 0);

    console.log('  uploading concurrently through tus …');
    resumed = 0;
    const uploadStart = performance.now();
    const uploadIds = await Promise.all(bidders.map((b, i) => upload(api!.url, b, section.id, files[i]!, summaries[i]!.envelopeBytes)));
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    console.log('  the same bytes written with fs (fsynced) …');
    await mkdir(join(dir, 'raw'));
    const rawStart = performance.now();
    await Promise.all(
      files.map(async (file, i) => {
        const target = join(dir, 'raw', `${i}`);
        await pipeline(createReadStream(file), createWriteStream(target));
        const handle = await open(target, 'r+');
        await handle.sync();
        await handle.close();
      }),
    );
    const rawSeconds = (performance.now() - rawStart) / 1000;

    // The bench's own gigabytes (the sealed files, the stored objects, the raw copies) would otherwise
    // still be flushing to disk under the submits, whose commits wait for the WAL's fsync: flushed
    // first, the raw copies removed (they exist only for the baseline above).
    await rm(join(dir, 'raw'), { recursive: true, force: true });
    await flushDisk();
    console.log('  submitting all at once …');
    const requests = bidders.map((b, i) =>
      signedSubmit(b, { sectionId: section.id, organisationId: b.account.organisationId!, uploadId: uploadIds[i]!, ciphertextSha256: summaries[i]!.ciphertextSha256, envelopeBytes: summaries[i]!.envelopeBytes }),
    );
    let submitRetries = 0;
    /** Sends each signed submit `delays[i]` ms from now, on a connection of its own; latency from the first attempt. */
    const submitAll = (signed: typeof requests, delays: number[]) =>
      Promise.all(
        signed.map(async (request, i) => {
          if (delays[i]! > 0) await new Promise((r) => setTimeout(r, delays[i]));
          const t = performance.now();
          const send = () => postJson(`${api!.url}/api/trpc/bidding.submit`, { cookie: bidders[i]!.cookie, 'x-csrf-token': 'bench-csrf' }, request);
          let response: { json(): Promise<unknown> };
          try {
            response = await send();
          } catch (error) {
            if (submitRetries++ === 0) console.log(`  a submit failed on the network and is sent again: ${String((error as Error).cause ?? error)}`);
            response = await send();
          }
          const body = (await response.json()) as { result?: { data: Receipt }; error?: unknown };
          const latency = performance.now() - t;
          if (!body.result) console.log(`  submit ${i} refused: ${JSON.stringify(body.error).slice(0, 300)}`);
          return { receipt: body.result?.data ?? null, latency };
        }),
      );
    const cpuBefore = cpuMsOf(api.pid);
    const submitStart = performance.now();
    const answered = await submitAll(requests, requests.map(() => 0));
    const receipts = answered.map((a) => a.receipt);
    const latencies = answered.map((a) => a.latency);
    const submitWallMs = performance.now() - submitStart;
    const cpuAfter = cpuMsOf(api.pid);

    const key = (await (await fetch(`${api.url}/api/receipts/key`)).json()) as { publicKey: string };
    const publicKey = new Uint8Array(Buffer.from(key.publicKey, 'base64'));
    const receiptsValid = receipts.filter((r, i) => r && verifyReceipt(r, publicKey) && r.body.ciphertextSha256 === summaries[i]!.ciphertextSha256).length;
    const counted = await db.select().from(bid).where(and(eq(bid.sectionId, section.id), eq(bid.status, 'submitted')));
    const [stored] = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from bid_upload where section_id = ${section.id} and completed_at is not null and inspection_error is null`);
    const sorted = [...latencies].sort((a, b) => a - b);

    // Baseline in the same run: as many one-row INSERT transactions as there were submits, fired at
    // once through the same driver and pool, each carrying a submit-sized row (the signed message).
    console.log('  baseline: the same number of plain INSERT transactions at once …');
    await executeRows(db, sql`create table if not exists bench_submit_baseline (id bigserial primary key, body text not null)`);
    const insertLatencies = await Promise.all(
      requests.map(async (request) => {
        const t = performance.now();
        await db.transaction(async (tx) => {
          await executeRows(tx, sql`insert into bench_submit_baseline (body) values (${JSON.stringify(request)})`);
        });
        return performance.now() - t;
      }),
    );
    const insertSorted = insertLatencies.sort((a, b) => a - b);

    // The issue's own wording: every bidder submits "within the same second". Each replaces its bid
    // with a second (1 MiB) upload, and the 200 submits are spread evenly over one second.
    console.log('  replacements: a second upload each, then the submits spread over one second …');
    const replacementFiles = bidders.map((_, i) => join(dir, 'envelopes', `${i}-replacement.ggzy`));
    const replacementSummaries: SealSummary[] = [];
    for (let i = 0; i < bidders.length; i += 4) {
      replacementSummaries.push(...(await Promise.all(bidders.slice(i, i + 4).map((_, k) => sealTo(replacementFiles[i + k]!, infos[i + k]!, 2 ** 20)))));
    }
    const replacementUploads = await Promise.all(bidders.map((b, i) => upload(api!.url, b, section.id, replacementFiles[i]!, replacementSummaries[i]!.envelopeBytes)));
    const replacements = bidders.map((b, i) =>
      signedSubmit(b, { sectionId: section.id, organisationId: b.account.organisationId!, uploadId: replacementUploads[i]!, ciphertextSha256: replacementSummaries[i]!.ciphertextSha256, envelopeBytes: replacementSummaries[i]!.envelopeBytes }),
    );
    await flushDisk();
    const spread = await submitAll(replacements, replacements.map((_, i) => (i * 1000) / replacements.length));
    const spreadSorted = spread.map((a) => a.latency).sort((a, b) => a - b);
    const nowCounted = new Map((await db.select().from(bid).where(and(eq(bid.sectionId, section.id), eq(bid.status, 'submitted')))).map((b) => [b.organisationId, b.submissionId]));
    const spreadValid = spread.filter(
      (a, i) => a.receipt && verifyReceipt(a.receipt, publicKey) && a.receipt.body.ciphertextSha256 === replacementSummaries[i]!.ciphertextSha256 && nowCounted.get(bidders[i]!.account.organisationId!) === a.receipt.body.submissionId,
    ).length;
    return {
      spreadP50: percentile(spreadSorted, 50),
      spreadP99: percentile(spreadSorted, 99),
      spreadValid,
      insertP50: percentile(insertSorted, 50),
      insertP99: percentile(insertSorted, 99),
      bidders: options.bidders,
      envelopeBytes,
      uploadSeconds,
      uploadMBps: envelopeBytes / 1e6 / uploadSeconds,
      rawMBps: envelopeBytes / 1e6 / rawSeconds,
      bidsLost: options.bidders - Math.min(counted.length, stored!.n),
      receiptsValid,
      submitP50: percentile(sorted, 50),
      submitP99: percentile(sorted, 99),
      submitMax: sorted.at(-1)!,
      submitWallMs,
      resumed,
      submitRetries,
      apiCpuMsPerSubmit: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / options.bidders,
    };
  } finally {
    await api?.stop();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
