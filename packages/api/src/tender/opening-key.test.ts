import { openEnvelopeToBytes, openSealedShare, rebuildOpeningKey, sealEnvelope, sha256Hex } from '@ggzy/crypto';
import { account, eq, inArray, openingKey, openingKeyShare, section, traceEntry, type Database } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, testClient, type TestCertificate, type TestClient, type TestPlatform } from '../testing';
import { collect, draftWithDocument, privateKeyOf, storedValues } from './opening-key-test-support';

const CUSTODIANS = ['centre', 'centre.dj', 'supervisor'] as const;

describe('the opening key at publication (bidderAndCustodians)', () => {
  let p: TestPlatform;
  let db: Database;
  let tenderer: TestClient;
  let custodianIds: string[];

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    tenderer = await signedIn(p.services, 'tenderer');
    const rows = await db.select({ id: account.id, username: account.username }).from(account).where(inArray(account.username, [...CUSTODIANS]));
    custodianIds = CUSTODIANS.map((u) => rows.find((r) => r.username === u)!.id);
  });
  afterAll(async () => {
    await p.close();
  });

  const draft = (overrides: Record<string, unknown> = { openingMode: 'bidderAndCustodians', custodianIds, custodianThreshold: 2 }) => draftWithDocument(p, tenderer, overrides);
  const publish = (sectionId: string) => tenderer.caller.tender.publish({ sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标</p>' });
  const stateOf = async (sectionId: string) => (await db.select({ state: section.state }).from(section).where(eq(section.id, sectionId)))[0]!.state;

  it('refuses to publish while a custodian has no valid certificate, naming each one, and changes nothing', async () => {
    const sectionId = await draft();
    await expect(publish(sectionId)).rejects.toThrow(/陈晓（交易中心）.*林峰（东江县中心）.*孙立（行政监督）.*没有有效的数字证书/);
    expect(await stateOf(sectionId)).toBe('draft');
    expect(await db.select().from(openingKey)).toHaveLength(0);

    await enrolTestCertificate(p.services, 'centre');
    const revoked = await enrolTestCertificate(p.services, 'supervisor');
    await (await signedIn(p.services, 'supervisor')).caller.certificate.revoke({ id: revoked.certificateId, reason: '更换证书' });
    const refused = publish(sectionId);
    await expect(refused).rejects.toMatchObject({ cause: { code: 'RULE_VIOLATION', details: { custodians: '林峰（东江县中心）,孙立（行政监督）' } } });
    await expect(refused).rejects.toThrow(/Custodian\(s\) 林峰（东江县中心）, 孙立（行政监督） have no valid certificate/);
  });

  it('refuses custodians who are not centre or supervisor staff', async () => {
    const [bidder] = await db.select({ id: account.id }).from(account).where(eq(account.username, 'bidder1'));
    const sectionId = await draft({ openingMode: 'bidderAndCustodians', custodianIds: [custodianIds[0]!, custodianIds[1]!, bidder!.id], custodianThreshold: 2 });
    await expect(publish(sectionId)).rejects.toThrow(/保管人须为在用的交易中心或行政监督人员账号：「王强（示例建工）」/);
  });

  describe('once every custodian holds a certificate', () => {
    const certificates = new Map<string, TestCertificate>();
    let sectionId: string;

    beforeAll(async () => {
      for (const username of CUSTODIANS) certificates.set(username, await enrolTestCertificate(p.services, username));
      sectionId = await draft();
      await publish(sectionId);
    });

    it('publishes the public half, one sealed share per custodian, and a trace entry with the key id', async () => {
      expect(await stateOf(sectionId)).toBe('announced');
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      expect(key).toMatchObject({ suite: 'rsa-oaep-sha256/aes-256-gcm-stream', threshold: 2, shareCount: 3, keyId: sha256Hex(key!.publicKeySpki) });
      const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
      expect(shares.map((s) => s.custodianId).sort()).toEqual([...custodianIds].sort());
      for (const [i, username] of CUSTODIANS.entries()) {
        expect(shares.find((s) => s.custodianId === custodianIds[i])!.certificateId).toBe(certificates.get(username)!.certificateId);
      }
      const [traced] = await db.select().from(traceEntry).where(eq(traceEntry.action, 'section.openingKey.create'));
      expect(traced).toMatchObject({ targetType: 'section', targetId: sectionId, actorName: 'tenderer', details: { keyId: key!.keyId, threshold: '2', shareCount: '3' } });
    });

    it('shows the public half on the portal; a bidder-key section shows none', async () => {
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      const detail = await testClient(p.services).caller.portal.section({ sectionId });
      expect(detail.openingKey).toEqual({ suite: key!.suite, keyId: key!.keyId, publicKeySpki: Buffer.from(key!.publicKeySpki).toString('base64') });

      const plain = await draft({ openingMode: 'bidderKey', custodianIds: [] });
      await publish(plain);
      expect((await testClient(p.services).caller.portal.section({ sectionId: plain })).openingKey).toBeNull();
    });

    it('any two custodians open their shares and rebuild a key that opens a bid sealed to the portal’s public half; one alone cannot', async () => {
      const detail = await testClient(p.services).caller.portal.section({ sectionId });
      const publicKeySpki = new Uint8Array(Buffer.from(detail.openingKey!.publicKeySpki, 'base64'));
      const sealed = await sealEnvelope({ plaintext: [new TextEncoder().encode('开标一览表：报价 9,876,543 元')], recipients: [{ role: 'opening', publicKey: publicKeySpki }] });
      const envelope = await collect(sealed.bytes);

      const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
      const plainShares = await Promise.all(
        CUSTODIANS.map(async (username, i) => {
          const row = shares.find((s) => s.custodianId === custodianIds[i])!;
          const key = await privateKeyOf(certificates.get(username)!.privateKeyPem);
          return (await openSealedShare({ sealedShare: [row.sealedShare], key: { privateKey: key }, expectKeyId: detail.openingKey!.keyId })).share;
        }),
      );
      for (const pair of [[0, 1], [0, 2], [1, 2]]) {
        const { privateKey } = await rebuildOpeningKey({ suite: detail.openingKey!.suite, publicKeySpki, threshold: 2, shares: pair.map((i) => plainShares[i]!) });
        const { plaintext } = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } });
        expect(new TextDecoder().decode(plaintext)).toBe('开标一览表：报价 9,876,543 元');
      }
      await expect(rebuildOpeningKey({ suite: detail.openingKey!.suite, publicKeySpki, threshold: 2, shares: [plainShares[0]!] })).rejects.toMatchObject({ code: 'not-enough-shares' });
    });

    it('stores no private opening-key material: neither the PKCS#8 nor any plain share, in any encoding', async () => {
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
      const plainShares = await Promise.all(
        CUSTODIANS.map(async (username, i) => {
          const row = shares.find((s) => s.custodianId === custodianIds[i])!;
          return (await openSealedShare({ sealedShare: [row.sealedShare], key: { privateKey: await privateKeyOf(certificates.get(username)!.privateKeyPem) } })).share;
        }),
      );
      const { privateKeyPkcs8 } = await rebuildOpeningKey({ suite: key!.suite, publicKeySpki: key!.publicKeySpki, shares: plainShares, exportPkcs8: true });
      const pkcs8 = Buffer.from(privateKeyPkcs8!);
      // Windows from the second half of the PKCS#8 are private (d, p, q, …); the modulus near its
      // start is public and rightly appears in the SPKI.
      const needles = [pkcs8, ...[0.6, 0.75, 0.9].map((at) => pkcs8.subarray(Math.floor(pkcs8.length * at), Math.floor(pkcs8.length * at) + 24)), ...plainShares.map((s) => Buffer.from(s).subarray(100, 124))];
      const encodings = needles.flatMap((n) => [n.toString('hex'), n.toString('base64').slice(4, 28).toLowerCase()]);
      const values = await storedValues(db);
      for (const value of values) for (const needle of encodings) expect(value.includes(needle), `stored value contains private material`).toBe(false);
      // The private half does fit its public half (the scan looked for the right bytes).
      expect(sha256Hex(key!.publicKeySpki)).toBe(key!.keyId);
    });
  });
});
