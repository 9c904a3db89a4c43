/**
 * The decryption self-test (`ggzy decrypt --check`, docs/sealed-bids.md §8) with the real binary
 * against the real API (in-process server, real database and object store): a bid sealed, uploaded
 * and submitted as the bid page does it passes with the sealing certificate, fails with the message
 * to seal again once the company's certificate is renewed on a new key, and a damaged envelope fails
 * too. The company's envelope download is refused to another company, traced for its owner, and
 * neither the trace nor anything the CLI sent carries key material (a recording proxy sits between
 * the CLI and the API).
 */
import { readEnvelopeHeader, toPkcs12, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { createBidBundle } from '@ggzy/domain/bid';
import { executeRows, sql, type Database } from '@ggzy/db';
import { createTestPlatform, enrolTestCertificate, type TestPlatform } from '@ggzy/api/testing';
import { announcedSection, sealBid, signedSubmit, signInOverHttp, startTestServer, trpcCall, TusClient } from '@ggzy/api/testing';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy, runGgzy } from './test-support';
import { DAMAGED_MESSAGE, WRONG_KEY_MESSAGE } from './decrypt-check';

const P12_PASSWORD = 'self-test-key-pass-7';
const ACCOUNT_PASSWORD = 'Ggzy@2026';

const ggzy = (args: string[], env: Record<string, string> = {}) => runGgzy({ account: ACCOUNT_PASSWORD, p12: P12_PASSWORD }, args, env);

describe('ggzy decrypt --check: the decryption self-test before the deadline', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dir: string;
  let section: { id: string; code: string };
  let uploadId: string;
  let envelope: Buffer;
  let ciphertextSha256: string;
  let sealing: { privateKeyPem: string; certificatePem: string };
  let renewed: { privateKeyPem: string; certificatePem: string };
  let firstTraceId: number;
  const serverErrors: unknown[] = [];
  const at = (name: string) => join(dir, name);

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services, { onError: (error) => serverErrors.push(error) });
    proxy = await recordingProxy(api.base);
    dir = await mkdtemp(join(tmpdir(), 'ggzy-selftest-'));
    section = await announcedSection(db);
    const [{ max }] = (await executeRows<{ max: string | null }>(db, sql`select max(id)::text as max from trace_entry`)) as [{ max: string | null }];
    firstTraceId = Number(max ?? 0);

    // bidder1 enrols, seals a bid bundle to what sealingInfo names, uploads and submits it.
    const cert = await enrolTestCertificate(p.services, 'bidder1');
    sealing = cert;
    await writeFile(at('sealing.p12'), toPkcs12({ certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem, password: P12_PASSWORD }));
    const headers = await signInOverHttp(api.base, 'bidder1');
    const info = await trpcCall<{ suite: string; recipients: Array<{ role: 'bidder' | 'opening'; publicKeySpki: string }>; metadata: Record<string, string> }>(api.base, headers, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
    if (!info.ok) throw new Error(info.error.en);
    const bundle = createBidBundle({
      openingSchedule: { version: 1, priceFen: 9_876_543_21, durationDays: 365, quality: '合格', bondReference: 'BH-SELFTEST' },
      files: [{ part: 'technical', name: '技术方案.pdf', size: 300_000, stream: (async function* () { yield new Uint8Array(randomBytes(300_000)); })() }],
    });
    const plain: Uint8Array[] = [];
    for await (const piece of bundle.bytes) plain.push(piece.slice());
    const sealed = await sealBid(info.data, Buffer.concat(plain), { chunkSize: 64 * 1024 });
    envelope = sealed.bytes;
    ciphertextSha256 = sealed.summary.ciphertextSha256;
    await writeFile(at('bid.ggzy'), envelope);
    uploadId = await new TusClient(api.base, headers).upload(section.id, envelope);
    const me = await trpcCall<{ organisationId: string }>(api.base, headers, 'auth.me', undefined, 'query');
    if (!me.ok) throw new Error(me.error.en);
    const submitted = await trpcCall(api.base, headers, 'bidding.submit', signedSubmit(cert, { sectionId: section.id, organisationId: me.data.organisationId, uploadId, ciphertextSha256, envelopeBytes: envelope.length }), 'mutation');
    if (!submitted.ok) throw new Error(submitted.error.en);
  }, 120_000);

  afterAll(async () => {
    await proxy?.close();
    await api?.close();
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes with the sealing certificate, on the envelope the platform holds, naming certificate, serial and digest', async () => {
    const sentBefore = proxy.seen.length;
    const run = await ggzy(['decrypt', '--check', '--section', section.id, '--api', proxy.url, '--user', 'bidder1', '--p12', at('sealing.p12')]);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('✓ 解密自检通过 / decryption self-test passed');
    expect(run.stdout).toContain(`ciphertext sha256 ${ciphertextSha256}, ${envelope.length} bytes`);
    expect(run.stdout).toContain(`upload ${uploadId} (digest matches the receipt)`);
    expect(run.stdout).toMatch(/serial [0-9a-f]+/);
    expect(run.stdout).toContain('opening schedule and 1 file(s)');
    // What the CLI sent: sign-in, the submissions query, the envelope download, sign-out; nothing else.
    const sent = proxy.seen.slice(sentBefore);
    expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'POST /api/trpc/auth.login',
      'GET /api/trpc/bidding.submissions',
      `GET /api/bids/${uploadId}/envelope`,
      'POST /api/trpc/auth.logout',
    ]);
  }, 60_000);

  it('fails with a renewed certificate on a new key, telling the bidder to seal again (exit 1)', async () => {
    renewed = await enrolTestCertificate(p.services, 'bidder1');
    await writeFile(at('renewed.p12'), toPkcs12({ certificatePem: renewed.certificatePem, privateKeyPem: renewed.privateKeyPem, password: P12_PASSWORD }));
    const online = await ggzy(['decrypt', '--check', '--section', section.id, '--api', proxy.url, '--user', 'bidder1', '--p12', at('renewed.p12')]);
    expect(online.code).toBe(1);
    expect(online.stdout).toBe('');
    expect(online.stderr).toContain(`✗ ${WRONG_KEY_MESSAGE}`);
    expect(online.stderr).toContain('[wrong-key]');
    // The same locally, on the file, and with the quick key-only check.
    expect(await ggzy(['decrypt', '--check', at('bid.ggzy'), '--p12', at('renewed.p12')])).toMatchObject({ code: 1, stderr: expect.stringContaining(WRONG_KEY_MESSAGE) });
    expect(await ggzy(['decrypt', '--check', at('bid.ggzy'), '--p12', at('renewed.p12'), '--key-only'])).toMatchObject({ code: 1, stderr: expect.stringContaining(WRONG_KEY_MESSAGE) });
    // The sealing certificate still opens the file.
    expect(await ggzy(['decrypt', '--check', at('bid.ggzy'), '--p12', at('sealing.p12')])).toMatchObject({ code: 0, stdout: expect.stringContaining('解密自检通过') });
  }, 60_000);

  it('finds a damaged envelope (exit 2), which the key-only check does not', async () => {
    const damaged = Buffer.from(envelope);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x01;
    await writeFile(at('damaged.ggzy'), damaged);
    const run = await ggzy(['decrypt', '--check', at('damaged.ggzy'), '--p12', at('sealing.p12')]);
    expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining(DAMAGED_MESSAGE) });
    expect(run.stderr).toContain('[tampered]');
    expect((await ggzy(['decrypt', '--check', at('damaged.ggzy'), '--p12', at('sealing.p12'), '--key-only'])).code).toBe(0);
    // A plaintext that is not a bid bundle cannot be read out at the opening either.
    const notBundle = await sealBid(
      { suite: 'rsa-oaep-sha256/aes-256-gcm-stream', recipients: [{ role: 'bidder', publicKeySpki: spkiOf(sealing.certificatePem) }], metadata: {} },
      new TextEncoder().encode('not a bundle'),
    );
    await writeFile(at('plain.ggzy'), notBundle.bytes);
    expect(await ggzy(['decrypt', '--check', at('plain.ggzy'), '--p12', at('sealing.p12')])).toMatchObject({ code: 2, stderr: expect.stringContaining('[malformed-bundle]') });
  }, 60_000);

  it('says clearly when it cannot run: wrong key-file password, no submitted bid (exit 3)', async () => {
    expect(await ggzy(['decrypt', '--check', at('bid.ggzy'), '--p12', at('sealing.p12')], { GGZY_P12_PASSWORD: 'not-the-password' })).toMatchObject({ code: 3, stderr: expect.stringContaining('证书文件密码错误') });
    const other = await announcedSection(db);
    expect(await ggzy(['decrypt', '--check', '--section', other.id, '--api', api.base, '--user', 'bidder1', '--p12', at('sealing.p12')])).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('尚未递交投标文件'),
    });
  }, 60_000);

  it("serves the envelope to its own company only: another company's bidder and the public are refused", async () => {
    const url = `${api.base}/api/bids/${uploadId}/envelope`;
    const own = await fetch(url, { headers: await signInOverHttp(api.base, 'bidder1') });
    expect(own.status).toBe(200);
    expect(own.headers.get('x-content-sha256')).toBe(ciphertextSha256);
    expect(Buffer.from(await own.arrayBuffer()).equals(envelope)).toBe(true);

    const other = await fetch(url, { headers: await signInOverHttp(api.base, 'bidder2') });
    const refusal = (await other.json()) as { error: { code: string; zh: string; en: string; details: { reason: string } } };
    expect([other.status, refusal.error.code, refusal.error.details.reason]).toEqual([404, 'NOT_FOUND', 'not-own-upload']);
    expect(refusal.error.zh).toContain('只能下载本单位上传的投标文件');
    expect(refusal.error.en).toContain("only your own company's uploads");
    expect((await fetch(url)).status).toBe(401);
    // The tenderer (no read:bidding:own) is refused by permission.
    expect((await fetch(url, { headers: await signInOverHttp(api.base, 'tenderer') })).status).toBe(403);
  });

  it('traces every download (who, which upload, the ciphertext digest) and nowhere holds key material', async () => {
    const rows = await executeRows<{ action: string; outcome: string; actor_name: string | null; target_id: string | null; digests: Record<string, string>; details: Record<string, string>; whole: string }>(
      db,
      sql`select action, outcome, actor_name, target_id, digests, details, row_to_json(t)::text as whole from trace_entry t where id > ${firstTraceId} order by id`,
    );
    const downloads = rows.filter((r) => r.action === 'bid.envelope.download');
    // The CLI's pass, its failure with the renewed certificate, and the owner's fetch above.
    expect(downloads.length).toBe(3);
    for (const row of downloads) {
      expect(row).toMatchObject({ outcome: 'ok', actor_name: 'bidder1', target_id: section.id, digests: { ciphertext: ciphertextSha256 }, details: { upload: uploadId, bytes: String(envelope.length) } });
      expect(Object.keys(row.details).sort()).toEqual(['bytes', 'upload']);
    }
    // bidder2's refused attempt is in the log too, as a refusal.
    expect(rows.some((r) => r.outcome === 'denied' && r.actor_name === 'bidder2' && r.whole.includes('not-own-upload'))).toBe(true);

    // Key material: the private keys (their base64 bodies, in pieces), the content key, the key-file password and bytes.
    const { header } = await readEnvelopeHeader([envelope]);
    const rsaKey = await globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(derOf(sealing.privateKeyPem)), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
    const contentKey = await unwrapEnvelopeContentKey(header, rsaKey);
    const secrets = [
      ...[sealing, renewed].flatMap((k) => pieces(derOf(k.privateKeyPem).toString('base64'))),
      Buffer.from(contentKey).toString('hex'),
      Buffer.from(contentKey).toString('base64'),
      P12_PASSWORD,
      ...pieces((await readFile(at('sealing.p12'))).toString('base64')),
    ];
    const everything = rows.map((r) => r.whole).join('\n');
    for (const secret of secrets) expect(everything.includes(secret), `trace holds ${secret.slice(0, 12)}…`).toBe(false);
    const sent = proxy.seen.map((r) => `${r.method} ${r.path}\n${r.headers}\n${r.body.toString('utf8')}\n${r.body.toString('base64')}`).join('\n');
    for (const secret of secrets) expect(sent.includes(secret), `the CLI sent ${secret.slice(0, 12)}…`).toBe(false);
    expect(serverErrors).toEqual([]);
  });
});

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** 24-character pieces of a long secret: any copy of a part of it shows. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 24 <= text.length; i += 24) out.push(text.slice(i, i + 24));
  return out;
}

function spkiOf(certificatePem: string): string {
  return new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
