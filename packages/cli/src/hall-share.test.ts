/**
 * `ggzy hall share`, the custodian's part of a recovery, with the real binary against the real API
 * (in-process server, real database and store) through a recording proxy: a section with a 2-of-3
 * opening key and three bids sealed also to it; before the deadline the share is refused with what to
 * do; after it, two custodians (centre, supervisor) recover one bid, the same custodian twice counts
 * once, and the record row reads out as recovered with its price. Nothing the CLI sent holds a private
 * key, the key-file password or the PKCS#12 bytes; the plain share goes only to hall.submitShare.
 */
import { openSealedShare, toPkcs12 } from '@ggzy/crypto';
import { takeDueTransitions } from '@ggzy/api';
import { createTestPlatform, enrolCustodians, publishedCustodianSection, setDeadline, signedIn, startTestServer, submitCustodianBids, type TestCustodian, type TestPlatform } from '@ggzy/api/testing';
import { and, eq, hallRecoveryShare, openingKeyShare, openingRecordRow, type Database } from '@ggzy/db';
import type { OpeningSchedule } from '@ggzy/domain';
import { webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy, runGgzy } from './test-support';

const P12_PASSWORD = 'custodian-key-pass-7';
const ACCOUNT_PASSWORD = 'Ggzy@2026';
const ggzy = (args: string[]) => runGgzy({ account: ACCOUNT_PASSWORD, p12: P12_PASSWORD }, args);

function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 24 <= text.length; i += 24) out.push(text.slice(i, i + 24));
  return out;
}

describe('ggzy hall share: a custodian’s share to recover a bid', () => {
  let p: TestPlatform;
  let db: Database;
  let api: Awaited<ReturnType<typeof startTestServer>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dir: string;
  let section: { id: string; code: string };
  let custodians: Map<string, TestCustodian>;
  let organisationId: string;
  const schedules: OpeningSchedule[] = [0, 1, 2].map((i) => ({ version: 1, priceFen: 12_345_678_91 + i, durationDays: 200 + i, quality: '合格', bondReference: `BH-CUS-${i}` }));
  const at = (name: string) => join(dir, name);
  const as = (username: string) => ['hall', 'share', '--api', proxy.url, '--user', username, '--p12', at(`${username}.p12`), '--section', section.id, '--organisation', organisationId];

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    api = await startTestServer(p.services);
    proxy = await recordingProxy(api.base);
    dir = await mkdtemp(join(tmpdir(), 'ggzy-share-'));
    custodians = await enrolCustodians(p);
    for (const c of custodians.values()) await writeFile(at(`${c.username}.p12`), toPkcs12({ certificatePem: c.certificate.certificatePem, privateKeyPem: c.certificate.privateKeyPem, password: P12_PASSWORD }));
    section = await publishedCustodianSection(p);
    const { bidders } = await submitCustodianBids(p, section, schedules);
    organisationId = bidders[1]!.account.organisationId!;
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    await api?.close();
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses the share before the deadline, saying what to do', async () => {
    const run = await ggzy(as('centre'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('投标截止时间');
    expect(run.stderr).toContain('accepted only after the deadline');
  }, 30_000);

  it('two custodians recover the bid; the same custodian twice counts once; the row is read out as recovered', async () => {
    await setDeadline(db, section.id, '-1 millisecond');
    await takeDueTransitions(db);
    await (await signedIn(p.services, 'centre')).caller.hall.startDecryption({ sectionId: section.id });

    const first = await ggzy(as('centre'));
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('份额已提交 / share submitted');
    expect(first.stdout).toContain('1/2');
    const again = await ggzy(as('centre'));
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('it counts once');
    expect(await db.select().from(hallRecoveryShare)).toHaveLength(1);

    const second = await ggzy(as('supervisor'));
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('已恢复 / recovered');
    expect(second.stdout).toContain('¥12,345,678.92');
    expect(second.stdout).toContain('密文摘要与回执一致');
    const [row] = await db.select().from(openingRecordRow).where(and(eq(openingRecordRow.sectionId, section.id), eq(openingRecordRow.organisationId, organisationId)));
    expect(row).toMatchObject({ outcome: 'recovered', priceFen: schedules[1]!.priceFen, matchesReceipt: true });
    expect(await db.select().from(hallRecoveryShare)).toHaveLength(0);

    // Once recovered, a third custodian is told so.
    const late = await ggzy(as('centre.dj'));
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('已解密');
  }, 90_000);

  it('sends no private key, key-file password or PKCS#12 bytes; the plain share only to hall.submitShare', async () => {
    const sent = proxy.seen.map((r) => ({ path: r.path, text: `${r.path} ${r.headers} ${r.body.toString('utf8')}` }));
    expect(sent.length).toBeGreaterThan(0);
    for (const username of ['centre', 'supervisor']) {
      const c = custodians.get(username)!;
      const der = Buffer.from(c.certificate.privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      const secrets = [...pieces(der.toString('base64')), ...pieces(der.toString('hex')), ...pieces((await readFile(at(`${username}.p12`))).toString('base64')), P12_PASSWORD];
      const [held] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, section.id), eq(openingKeyShare.custodianId, c.id)));
      const key = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
      const share = Buffer.from((await openSealedShare({ sealedShare: [held!.sealedShare], key: { privateKey: key as CryptoKey } })).share).toString('base64');
      for (const request of sent) {
        for (const secret of secrets) expect(request.text.includes(secret), `${request.path} carries key material`).toBe(false);
        if (request.text.includes(share.slice(8, 40))) expect(request.path).toContain('hall.submitShare');
      }
      expect(sent.some((r) => r.path.includes('hall.submitShare') && r.text.includes(share.slice(8, 40)))).toBe(true);
    }
  });
});
