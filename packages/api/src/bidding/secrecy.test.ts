/**
 * "Nothing readable early" (DESIGN.md §4): after a bid has been uploaded (with an interruption),
 * submitted, replaced and withdrawn, and before any opening, the platform holds nothing that reveals
 * it. Searched as the database owner would: every column of every table (trace entries included),
 * every object and file of the object store, every file of the upload folder, and the API's error
 * log. Searched for: the bid's plaintext, its content key, its unsalted SHA-256, and the salt, in
 * raw bytes, hex and base64.
 */
import { unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { executeRows, sql } from '@ggzy/db';
import { createDecipheriv, createHash, randomBytes, webcrypto } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, type TestCertificate, type TestPlatform } from '../testing';
import { announcedSection, signInOverHttp, sealBid, signedSubmit, signedWithdraw, startTestServer, trpcCall, TusClient, uploadIdOf, type SealingInfoLike } from './test-support';

async function* filesUnder(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/** Every way a secret could be written down: raw bytes, hex (either case), base64, base64url. */
function spellings(secret: Buffer): Buffer[] {
  return [secret, secret.toString('hex'), secret.toString('hex').toUpperCase(), secret.toString('base64'), secret.toString('base64url')].map((s) =>
    typeof s === 'string' ? Buffer.from(s) : s,
  );
}

describe('nothing readable early: the platform holds no plaintext fact of a sealed bid before the opening', () => {
  let p: TestPlatform;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let cert: TestCertificate;
  const errors: string[] = [];

  beforeAll(async () => {
    p = await createTestPlatform();
    api = await startTestServer(p.services, { onError: (error, path) => errors.push(`${path}: ${String((error as Error)?.stack ?? error)}`) });
    cert = await enrolTestCertificate(p.services, 'bidder1');
  });
  afterAll(async () => {
    await api?.close();
    await p?.close();
  });

  it('finds neither the plaintext, the content key, the unsalted digest nor the salt anywhere', async () => {
    const { db } = p.services;
    const headers = await signInOverHttp(api.base, 'bidder1');
    const me = await trpcCall<{ organisationId: string }>(api.base, headers, 'auth.me', undefined, 'query');
    const organisationId = me.ok ? me.data.organisationId : '';
    const section = await announcedSection(db);
    const info = await trpcCall<SealingInfoLike>(api.base, headers, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
    if (!info.ok) throw new Error(info.error.en);

    // A short bid (a price list) is exactly the case an unsalted digest would give away.
    const marker = `投标总价人民币玖佰捌拾柒万陆仟伍佰肆拾叁元整-${randomBytes(8).toString('hex')}`;
    const plaintext = Buffer.from(`${marker}\n${'分项报价明细；'.repeat(12_000)}`);
    const sealed = await sealBid(info.data, plaintext, { chunkSize: 64 * 1024 });

    // The secrets, recovered the way only the bidder can: its private key unwraps the content key,
    // and the first chunk (decrypted by hand, docs/envelope.md §3) starts with the salt.
    const privateKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(cert.privateKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    const contentKey = Buffer.from(await unwrapEnvelopeContentKey(sealed.header, privateKey as CryptoKey));
    const headerLength = sealed.headerBytes.length;
    const firstLength = sealed.bytes.readUInt32BE(headerLength + 1);
    const record = sealed.bytes.subarray(headerLength + 5, headerLength + 5 + firstLength);
    const nonce = Buffer.concat([Buffer.from(sealed.header.noncePrefix), Buffer.from([0, 0, 0, 0, 0])]);
    const decipher = createDecipheriv('aes-256-gcm', contentKey, nonce);
    decipher.setAAD(createHash('sha256').update(sealed.headerBytes).digest());
    decipher.setAuthTag(record.subarray(record.length - 16));
    const firstChunk = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    const salt = firstChunk.subarray(0, 32);
    expect(firstChunk.subarray(32, 32 + Buffer.byteLength(marker)).toString()).toBe(marker);

    // Upload (interrupted once), submit, replace, withdraw: every path that writes something.
    const tus = new TusClient(api.base, headers);
    const created = await tus.create(section.id, sealed.bytes.length, { filename: 'bid.ggzy' });
    expect((await tus.patch(created.url!, 0, sealed.bytes.subarray(0, 70_000))).status).toBe(204);
    const needles = new Map<string, Buffer[]>([
      ['plaintext', [Buffer.from(marker), Buffer.from(marker).toString('hex'), Buffer.from(marker).toString('base64')].map((s) => Buffer.from(s))],
      ['content key', spellings(contentKey)],
      ['unsalted SHA-256 of the plaintext', spellings(createHash('sha256').update(plaintext).digest())],
      ['salt', spellings(Buffer.from(salt))],
    ]);
    const found: string[] = [];
    const search = (where: string, haystack: Buffer) => {
      for (const [what, forms] of needles) if (forms.some((form) => haystack.includes(form))) found.push(`${what} in ${where}`);
    };
    const staging = p.services.settings.uploadDir;
    for await (const file of filesUnder(staging)) search(`staged ${file}`, await readFile(file));

    expect((await tus.patch(created.url!, 70_000, sealed.bytes.subarray(70_000))).status).toBe(204);
    const uploadId = uploadIdOf(created.url!);
    const fields = { sectionId: section.id, organisationId, ciphertextSha256: sealed.summary.ciphertextSha256, envelopeBytes: sealed.summary.envelopeBytes };
    expect((await trpcCall(api.base, headers, 'bidding.submit', signedSubmit(cert, { ...fields, uploadId }), 'mutation')).ok).toBe(true);
    const again = await sealBid(info.data, plaintext, { chunkSize: 64 * 1024 });
    const secondId = await tus.upload(section.id, again.bytes);
    expect((await trpcCall(api.base, headers, 'bidding.submit', signedSubmit(cert, { ...fields, ciphertextSha256: again.summary.ciphertextSha256, envelopeBytes: again.summary.envelopeBytes, uploadId: secondId }), 'mutation')).ok).toBe(true);
    expect((await trpcCall(api.base, headers, 'bidding.withdraw', signedWithdraw(cert, { sectionId: section.id, organisationId }), 'mutation')).ok).toBe(true);
    await p.services.sequenceNow();

    // The database, as its owner: every column of every table, bytea as hex.
    const tables = await executeRows<{ name: string }>(db, sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['bid_upload', 'bid_submission', 'bid', 'trace_entry']));
    let dump = '';
    for (const { name } of tables) {
      const rows = await executeRows<{ row: string }>(db, sql.raw(`select row_to_json(t)::text as row from "${name}" t`));
      dump += rows.map((r) => r.row).join('\n');
    }
    search('the database', Buffer.from(dump));
    // The scan does see what is there: the ciphertext digest is recorded (it is not a secret).
    expect(dump).toContain(sealed.summary.ciphertextSha256);

    // Every file of the object store (objects, sidecars, temporary files) and of the staging folder.
    const storeDir = join(dirname(staging), 'objects');
    let storedFiles = 0;
    for await (const file of filesUnder(storeDir)) {
      storedFiles++;
      search(`store ${file}`, await readFile(file));
    }
    expect(storedFiles).toBeGreaterThanOrEqual(2);
    for await (const file of filesUnder(staging)) search(`staged ${file}`, await readFile(file));
    search('the API error log', Buffer.from(errors.join('\n')));

    expect(found).toEqual([]);
  });
});
