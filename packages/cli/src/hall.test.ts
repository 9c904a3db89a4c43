/**
 * The bidder's part of the opening hall with the real `ggzy` binary against the real API (in-process
 * server, real database and object store), through a recording proxy: three companies' bids, one
 * sealed, uploaded and submitted with `ggzy seal`/`upload`/`submit`, two sealed the way the bid page's
 * seal worker seals (the portable backend, recipients from sealingInfo's base64 SPKI, the bundle
 * streamed in); the deadline passes and the hall opens; `ggzy hall sign-in` and `ggzy decrypt
 * --section` open each bid and its record row is read out. Refusals: no hall yet, not a bidder of the
 * section, the window not started, the opening paused; a second decrypt says already decrypted (exit 0). Nothing the CLI
 * sent holds a private key, the key-file password or the PKCS#12 bytes; the bare content key goes
 * only to hall.handOverKey and the account password only to auth.login.
 */
import { readEnvelopeHeader, toPkcs12, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { createBidBundle } from '@ggzy/domain/bid';
import { takeDueTransitions } from '@ggzy/api';
import { announcedSection, createTestPlatform, enrolTestCertificate, sealBid, setDeadline, signedIn, signedSubmit, signInOverHttp, startTestServer, trpcCall, TusClient, type TestCertificate, type TestPlatform } from '@ggzy/api/testing';
import { and, eq, executeRows, openingRecordRow, sql, type Database } from '@ggzy/db';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy, runGgzy } from './test-support';

const P12_PASSWORD = 'hall-key-pass-3';
const ACCOUNT_PASSWORD = 'Ggzy@2026';
// Demo bidders of the section's region (packages/api/src/seed/demo.ts).
const USERS = ['bidder1', 'bidder4', 'bidder5'] as const;
const PRICES = [1_234_567_89, 98_765_432_10, 55_000_000_00];

const ggzy = (args: string[], env: Record<string, string> = {}) => runGgzy({ account: ACCOUNT_PASSWORD, p12: P12_PASSWORD }, args, env);

const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/** 24-character pieces of a long secret: any copy of a part of it shows. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 24 <= text.length; i += 24) out.push(text.slice(i, i + 24));
  return out;
}

describe('ggzy hall sign-in and ggzy decrypt: the bidder’s part of the opening from the command line', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dir: string;
  let section: { id: string; code: string };
  const certs: TestCertificate[] = [];
  const envelopes: Buffer[] = [];
  const serverErrors: unknown[] = [];
  const at = (name: string) => join(dir, name);
  const as = (i: number) => ['--api', proxy.url, '--user', USERS[i]!, '--p12', at(`${USERS[i]}.p12`), '--section', section.id];

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services, { onError: (error) => serverErrors.push(error) });
    proxy = await recordingProxy(api.base);
    dir = await mkdtemp(join(tmpdir(), 'ggzy-hall-'));
    section = await announcedSection(db);
    for (const user of [...USERS, 'bidder2']) {
      const cert = await enrolTestCertificate(p.services, user);
      if (user !== 'bidder2') certs.push(cert);
      await writeFile(at(`${user}.p12`), toPkcs12({ certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem, password: P12_PASSWORD }));
    }

    // bidder1: `ggzy seal` for the section (bundling on the fly), `ggzy upload`, `ggzy submit`.
    await writeFile(at('schedule.json'), JSON.stringify({ version: 1, priceFen: PRICES[0], durationDays: 300, quality: '合格', bondReference: 'BH-CLI-1' }));
    await writeFile(at('technical.pdf'), randomBytes(200_000));
    const online = ['--api', proxy.url, '--user', 'bidder1'];
    const sealed = await ggzy(['seal', '--section', section.id, ...online, '--p12', at('bidder1.p12'), '--schedule', at('schedule.json'), '--technical', at('technical.pdf'), '--out', at('bid1.ggzy')]);
    expect(sealed, sealed.stderr).toMatchObject({ code: 0 });
    const uploaded = await ggzy(['upload', at('bid1.ggzy'), '--section', section.id, ...online]);
    expect(uploaded, uploaded.stderr).toMatchObject({ code: 0 });
    const submitted = await ggzy(['submit', '--section', section.id, ...online, '--p12', at('bidder1.p12'), '--upload', at('bid1.ggzy'), '--out', at('receipt1.json')]);
    expect(submitted, submitted.stderr).toMatchObject({ code: 0 });
    envelopes.push(await readFile(at('bid1.ggzy')));

    // bidder4 and bidder5: sealed as the seal worker does, uploaded over tus, submitted signed.
    for (const i of [1, 2]) {
      const headers = await signInOverHttp(api.base, USERS[i]!);
      const info = await trpcCall<{ suite: string; recipients: Array<{ role: 'bidder' | 'opening'; publicKeySpki: string }>; metadata: Record<string, string> }>(api.base, headers, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
      if (!info.ok) throw new Error(info.error.en);
      const content = new Uint8Array(randomBytes(120_000 + i));
      const bundle = createBidBundle({
        openingSchedule: { version: 1, priceFen: PRICES[i]!, durationDays: 365 - i, quality: '优良', bondReference: `BH-WEB-${i}` },
        files: [{ part: 'commercial', name: '商务文件.pdf', size: content.length, stream: (async function* () { yield content; })() }],
      });
      const browser = await sealBid(info.data, bundle.bytes, { chunkSize: 64 * 1024 });
      const uploadId = await new TusClient(api.base, headers).upload(section.id, browser.bytes);
      const me = await trpcCall<{ organisationId: string }>(api.base, headers, 'auth.me', undefined, 'query');
      if (!me.ok) throw new Error(me.error.en);
      const done = await trpcCall(api.base, headers, 'bidding.submit', signedSubmit(certs[i]!, { sectionId: section.id, organisationId: me.data.organisationId, uploadId, ciphertextSha256: browser.summary.ciphertextSha256, envelopeBytes: browser.bytes.length }), 'mutation');
      if (!done.ok) throw new Error(done.error.en);
      envelopes.push(browser.bytes);
    }
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    await api?.close();
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses the sign-in before the deadline: there is no hall yet', async () => {
    const run = await ggzy(['hall', 'sign-in', ...as(0)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('该标段没有开标大厅');
    expect(run.stderr).toContain('This section has no opening hall');
  }, 30_000);

  it('signs in with the certificate once the hall is open, printing the attendance record; again says already signed in', async () => {
    await setDeadline(db, section.id, '-1 millisecond');
    expect(await takeDueTransitions(db)).toContainEqual({ sectionId: section.id, from: 'announced', to: 'opening' });
    const run = await ggzy(['hall', 'sign-in', ...as(0)]);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/✓ 签到成功 \/ signed in: \d{4}-\d{2}-\d{2}T/);
    const [attendance] = await executeRows<{ signed_at: Date; serial: string }>(
      db,
      sql`select a.signed_at, c.serial from hall_attendance a join certificate c on c.id = a.certificate_id where a.section_id = ${section.id} and a.certificate_id = ${certs[0]!.certificateId}`,
    );
    expect(run.stdout).toContain(new Date(attendance!.signed_at).toISOString());
    expect(run.stdout.toLowerCase()).toContain(`serial ${attendance!.serial.toLowerCase().replace(/^0+/, '')}`);
    const again = await ggzy(['hall', 'sign-in', ...as(0)]);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('已签到 / your company had already signed in') });
  }, 30_000);

  it('refuses a company with no bid in the section, and a wrong key-file password before anything is sent', async () => {
    const other = await ggzy(['hall', 'sign-in', '--api', proxy.url, '--user', 'bidder2', '--p12', at('bidder2.p12'), '--section', section.id]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('贵单位在本标段没有有效的投标');
    expect(other.stderr).toContain('no standing bid in this section');
    const sentBefore = proxy.seen.length;
    expect(await ggzy(['hall', 'sign-in', ...as(1)], { GGZY_P12_PASSWORD: 'not-it' })).toMatchObject({ code: 1, stderr: expect.stringContaining('证书文件密码错误') });
    expect(proxy.seen.length).toBe(sentBefore);
  }, 30_000);

  it('refuses the hand-over before the host starts the decryption window, with the platform’s message', async () => {
    const run = await ggzy(['decrypt', ...as(0)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('主持人尚未开始解密');
    expect(run.stderr).toContain('the host has not started the decryption');
    const [row] = await executeRows<{ state: string }>(db, sql`select d.state from bid_decryption d join account a on a.organisation_id = d.organisation_id where d.section_id = ${section.id} and a.username = 'bidder1'`);
    expect(row!.state).toBe('waiting');
  }, 30_000);

  it('refuses the hand-over while the host has paused the opening, naming the pause reason', async () => {
    const host = await signedIn(p.services, 'centre');
    await host.caller.hall.startDecryption({ sectionId: section.id, minutes: 30 });
    await host.caller.hall.pause({ sectionId: section.id, reason: '交易中心网络故障' });
    const run = await ggzy(['decrypt', ...as(0)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('开标已暂停（交易中心网络故障）');
    expect(run.stderr).toContain('The opening is paused');
    await host.caller.hall.resume({ sectionId: section.id, reason: '网络已恢复' });
  }, 30_000);

  it('decrypts each bid (sealed by ggzy seal and as the browser seals) and prints its record row', async () => {

    const first = await ggzy(['decrypt', ...as(0)]);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`✓ 已解密 / decrypted: ${section.code}`);
    // In figures, then in capitals (大写) as the platform reads it out.
    expect(first.stdout).toMatch(/投标报价 \/ price: ¥1,234,567\.89 \(壹佰贰拾叁万.+\)\n/);
    expect(first.stdout).toContain('工期 / duration: 300');
    expect(first.stdout).toContain(`密文摘要与回执一致 / digest matches the receipt: sha256 ${JSON.parse(await readFile(at('receipt1.json'), 'utf8')).body.ciphertextSha256}`);

    // bidder4 signs in first, then decrypts; bidder5 signs in within the same run (--sign-in).
    expect((await ggzy(['hall', 'sign-in', ...as(1)])).code).toBe(0);
    const second = await ggzy(['decrypt', ...as(1)]);
    expect(second, second.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('¥98,765,432.10') });
    const third = await ggzy(['decrypt', ...as(2), '--sign-in']);
    expect(third, third.stderr).toMatchObject({ code: 0 });
    expect(third.stdout).toContain('✓ 签到成功 / signed in');
    expect(third.stdout).toMatch(/¥55,000,000\.00 \(伍仟伍佰万.+\)\n/);

    const rows = await db.select().from(openingRecordRow).where(and(eq(openingRecordRow.sectionId, section.id), eq(openingRecordRow.outcome, 'decrypted')));
    expect(rows.map((r) => r.priceFen).sort()).toEqual([...PRICES].sort());
    expect(rows.every((r) => r.matchesReceipt)).toBe(true);
    const states = await executeRows<{ state: string }>(db, sql`select state from bid_decryption where section_id = ${section.id}`);
    expect(states.map((s) => s.state)).toEqual(['decrypted', 'decrypted', 'decrypted']);
  }, 90_000);

  it('says already decrypted on a second run, exit 0, and changes nothing', async () => {
    const again = await ggzy(['decrypt', ...as(0)]);
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('已解密，无需再次解密 / your company’s bid is already decrypted');
    expect(again.stdout).toContain('¥1,234,567.89');
    expect(await db.select().from(openingRecordRow).where(eq(openingRecordRow.sectionId, section.id))).toHaveLength(3);
    // It looked at the hall and stopped: no download, no hand-over.
    expect(proxy.seen.slice(-3).map((r) => r.path.split('?')[0])).toEqual(['/api/trpc/certificate.mine', '/api/trpc/hall.get', '/api/trpc/auth.logout']);
  }, 30_000);

  it('sent nothing holding a private key, the key-file password or the PKCS#12 bytes; the content key only to hall.handOverKey', async () => {
    const rsa = async (pem: string) => globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(derOf(pem)), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
    const contentKeys: string[] = [];
    for (const [i, envelope] of envelopes.entries()) {
      const { header } = await readEnvelopeHeader([envelope]);
      contentKeys.push(Buffer.from(await unwrapEnvelopeContentKey(header, await rsa(certs[i]!.privateKeyPem))).toString('base64'));
    }
    const secrets = [P12_PASSWORD, ...certs.flatMap((c) => pieces(derOf(c.privateKeyPem).toString('base64')))];
    for (const user of USERS) secrets.push(...pieces((await readFile(at(`${user}.p12`))).toString('base64')));
    const text = (r: (typeof proxy.seen)[number]) => `${r.method} ${r.path}\n${r.headers}\n${r.body.toString('utf8')}\n${r.body.toString('base64')}\n${r.body.toString('hex')}`;
    const all = proxy.seen.map(text).join('\n');
    for (const secret of secrets) expect(all.includes(secret), `the CLI sent ${secret.slice(0, 12)}…`).toBe(false);
    const handOvers = proxy.seen.filter((r) => r.path.startsWith('/api/trpc/hall.handOverKey'));
    // bidder1 before the window and while paused, then once each; bidder1's second run hands nothing over.
    expect(handOvers).toHaveLength(5);
    for (const [i, key] of contentKeys.entries()) {
      expect(handOvers.some((r) => r.body.toString('utf8').includes(key)), `content key ${i} handed over`).toBe(true);
      expect(proxy.seen.filter((r) => !r.path.startsWith('/api/trpc/hall.handOverKey')).some((r) => text(r).includes(key))).toBe(false);
      const hex = Buffer.from(key, 'base64').toString('hex');
      expect(all.includes(hex)).toBe(false);
    }
    // The account password goes to auth.login only.
    expect(proxy.seen.filter((r) => text(r).includes(ACCOUNT_PASSWORD)).every((r) => r.path.startsWith('/api/trpc/auth.login'))).toBe(true);
    // A hand-over carries the section, the company and the key: nothing else.
    expect(Object.keys(JSON.parse(handOvers[1]!.body.toString('utf8'))).sort()).toEqual(['contentKey', 'organisationId', 'sectionId']);
    expect(serverErrors).toEqual([]);
  });
});
