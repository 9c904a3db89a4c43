/**
 * The opening's decryption rush (issue 12): N bidders' sealed bids of 20 MiB in the platform's disk
 * store, every bidder signed in to the hall, and all N content keys handed over at the same instant
 * through `hall.handOverKey`. The server checks each header binding, streams each envelope from the
 * store, verifies every chunk's tag, the key and salted commitments and the envelope digest against
 * the bidder's receipt, validates the bid bundle, stores the plaintext write-once, reads out the
 * opening schedule and writes the record row with its trace entry and live events. Timed from the
 * first key sent to the last row read out (the record complete: every bid decided).
 *
 * Baseline in the same run: a plain program reading the same stored envelope files and pushing every
 * byte through Node's AES-256-GCM (64 KiB pieces, the fast way to feed it), one file after another.
 */
import { createBidders, createTestPlatform, setDeadline, signedIn, submitStoredEnvelope, bidObjectKey, SIGN_IN_CONTEXT, testClient, announcedSection, type TestClient } from '@ggzy/api/testing';
import { takeDueTransitions } from '@ggzy/api';
import { sealEnvelope, signMessage, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { and, bidDecryption, eq, executeRows, sql } from '@ggzy/db';
import { createBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { createDecipheriv, createHash, createPublicKey, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

export interface DecryptFigures {
  bids: number;
  envelopeBytes: number;
  /** First key sent to the last row read out. */
  recordSeconds: number;
  /** Rows decrypted, matching their receipts. */
  decrypted: number;
  matching: number;
  /** The plain read + AES-256-GCM of the same files (mean of a run before and one after). */
  baselineSeconds: number;
  /** CPU time of this process (the server's work: it runs in-process) over the rush, per bid. */
  cpuMsPerBid: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Reads every envelope file and decrypts all its bytes with AES-256-GCM, one file after another. */
async function baseline(files: string[]): Promise<number> {
  const key = randomBytes(32);
  const start = performance.now();
  for (const file of files) {
    let decipher = createDecipheriv('aes-256-gcm', key, randomBytes(12));
    let fed = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 4 * 2 ** 20 }) as AsyncIterable<Buffer>) {
      for (let o = 0; o < chunk.length; o += 65536) decipher.update(chunk.subarray(o, Math.min(chunk.length, o + 65536)));
      fed += chunk.length;
      // As the envelope's 4 MiB chunks: a fresh cipher (and tag check) per chunk.
      if (fed >= 4 * 2 ** 20) {
        decipher.setAuthTag(Buffer.alloc(16));
        try {
          decipher.final();
        } catch {
          /* the tag is not checked against anything: the cost of computing it is what counts */
        }
        decipher = createDecipheriv('aes-256-gcm', key, randomBytes(12));
        fed = 0;
      }
    }
  }
  return (performance.now() - start) / 1000;
}

export async function measureDecrypt(options: { bids: number; envelopeMiB: number }): Promise<DecryptFigures> {
  const p = await createTestPlatform();
  try {
    const db = p.services.db;
    const section = await announcedSection(db);
    console.log(`  making ${options.bids} bidder companies …`);
    const bidders = await createBidders(p.services, options.bids, { sharedKey: true });
    const host = await signedIn(p.services, 'centre');
    const spki = createPublicKey(bidders[0]!.certificatePem).export({ type: 'spki', format: 'der' });
    const keyId = createHash('sha256').update(spki).digest('hex');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(bidders[0]!.privateKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);

    console.log(`  sealing ${options.bids} bids of ${options.envelopeMiB} MiB into the store …`);
    const contentKeys: string[] = [];
    const clients: TestClient[] = [];
    let envelopeBytes = 0;
    const fileBytes = options.envelopeMiB * 2 ** 20 - 4096;
    for (const [i, b] of bidders.entries()) {
      const schedule: OpeningSchedule = { version: 1, priceFen: 1_000_000_00 + i, durationDays: 365, quality: '合格', bondReference: `BH-${i}` };
      const content = randomBytes(fileBytes);
      const bundle = createBidBundle({ openingSchedule: schedule, files: [{ part: 'technical', name: '技术标.pdf', size: content.length, stream: (async function* () { yield content; })() }] });
      const sealed = await sealEnvelope({ plaintext: bundle.bytes, recipients: [{ role: 'bidder', publicKey: new Uint8Array(spki) }], metadata: { section: section.code, bidder: b.creditCode }, backend: nodeBackend });
      const uploadId = randomUUID();
      const key = bidObjectKey(section.id, uploadId);
      await p.services.store.put(key, sealed.bytes);
      const summary = await sealed.summary;
      envelopeBytes += summary.envelopeBytes;
      contentKeys.push(Buffer.from(await unwrapEnvelopeContentKey(sealed.header, privateKey as CryptoKey)).toString('base64'));
      await submitStoredEnvelope(p.services, section, b, { uploadId, summary, headerBytes: sealed.headerBytes, suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipientKeyIds: [`bidder:${keyId}`] });
      const client = testClient(p.services);
      client.cookies.ggzy_session = b.cookie.split(';')[0]!.split('=')[1]!;
      clients.push(client);
    }
    await setDeadline(db, section.id, '-1 millisecond');
    await takeDueTransitions(db);
    await host.caller.hall.startDecryption({ sectionId: section.id });
    console.log('  every bidder signs in …');
    for (let i = 0; i < bidders.length; i++) {
      const challenge = await clients[i]!.caller.hall.challenge({ sectionId: section.id });
      const signature = Buffer.from(signMessage(bidders[i]!.privateKeyPem, SIGN_IN_CONTEXT, new TextEncoder().encode(challenge.message))).toString('base64');
      await clients[i]!.caller.hall.signIn({ sectionId: section.id, message: challenge.message, signature, certificateId: bidders[i]!.certificateId });
    }

    const storeRoot = storeFolder(p.services.store);
    const envelopeFiles = (await executeRows<{ id: string }>(db, sql`select id from bid_upload where section_id = ${section.id}`)).map((u) => join(storeRoot, bidObjectKey(section.id, u.id)));
    console.log('  baseline: reading and AES-GCM-decrypting the same files …');
    const before = await baseline(envelopeFiles);

    console.log(`  all ${options.bids} keys handed over at once …`);
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
    const cpuBefore = cpuMs();
    const start = performance.now();
    const results = await Promise.allSettled(clients.map((c, i) => c.caller.hall.handOverKey({ sectionId: section.id, contentKey: contentKeys[i]! })));
    const recordSeconds = (performance.now() - start) / 1000;
    const cpuAfter = cpuMs();
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE!);
    const refused = results.filter((r) => r.status === 'rejected');
    if (refused.length > 0) console.log(`  ${refused.length} hand-overs refused, e.g. ${String((refused[0] as PromiseRejectedResult).reason)}`);
    const rows = await db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, section.id), eq(bidDecryption.state, 'decrypted')));
    const hall = await host.caller.hall.get({ sectionId: section.id });

    const after = await baseline(envelopeFiles);
    console.log(`  hall state after the rush: ${hall.hall?.state}`);
    return {
      bids: options.bids,
      envelopeBytes,
      recordSeconds,
      decrypted: rows.length,
      matching: rows.filter((r) => r.matchesReceipt).length,
      baselineSeconds: (before + after) / 2,
      cpuMsPerBid: (cpuAfter - cpuBefore) / options.bids,
    };
  } finally {
    await p.close();
  }
}

/** BENCH_PROFILE=<file>: a V8 CPU profile of the rush alone (open it in Chrome's DevTools). */
async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** The disk store's folder (the baseline reads the very files the server reads). */
function storeFolder(store: { kind: string; root?: string }): string {
  if (store.kind !== 'disk' || !store.root) throw new Error('the decryption benchmark runs on the disk store');
  return store.root;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  const bids = Number(process.argv[2] ?? 30);
  const f = await measureDecrypt({ bids, envelopeMiB: 20 });
  console.log(JSON.stringify(f, null, 2), `ratio ${(f.recordSeconds / f.baselineSeconds).toFixed(2)}`);
  process.exit(0);
}
