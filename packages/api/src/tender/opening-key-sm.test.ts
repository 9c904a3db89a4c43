/**
 * The opening key of a GM/T section (DESIGN.md §4, docs/sealed-bids.md §2) through the API: a section
 * with `envelopeSuite = sm2/sm4-ctr-hmac-sm3-stream` and custodians is published with an SM2 opening
 * key; custodians holding SM2 or RSA certificates each get their share sealed in their own key's
 * suite; a bidder seals with the SM2 suite to what `bidding.sealingInfo` names; k custodians' shares
 * rebuild an SM2 key that opens that bid, and nothing private is stored.
 */
import {
  createKeyPairAndCsr,
  envelopeRecipientFromSpki,
  isSm2PrivateKey,
  isSm2Spki,
  openEnvelopeToBytes,
  openSealedShare,
  readEnvelopeHeader,
  rebuildOpeningKey,
  sealEnvelope,
  sha256Hex,
  SUITE_RSA_AES,
  SUITE_SM2_SM4,
} from '@ggzy/crypto';
import { account, eq, inArray, openingKey, openingKeyShare, organisation, section, traceEntry, type Database } from '@ggzy/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, enrolTestCertificate, signedIn, testClient, type TestCertificate, type TestClient, type TestPlatform } from '../testing';
import { collect, draftWithDocument, privateKeyOf, storedValues } from './opening-key-test-support';

const CUSTODIANS = ['centre', 'centre.dj', 'supervisor'] as const;
/** The certificate each custodian's share goes to: SM2 for two of them, RSA for one. */
const CUSTODIAN_ALGORITHMS = { centre: 'sm2', 'centre.dj': 'rsa', supervisor: 'sm2' } as const;
const BID = '国密开标一览表：投标报价 捌佰柒拾陆万伍仟肆佰叁拾贰元整';

/** An SM2 certificate for a demo account through the real `certificate.enrol` (the platform's SM2 CA). */
async function enrolSm2Certificate(p: TestPlatform, username: string): Promise<TestCertificate> {
  const [holder] = await p.services.db
    .select({ organisationName: organisation.name, creditCode: organisation.creditCode })
    .from(account)
    .innerJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.username, username));
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({
    subject: { commonName: holder!.organisationName, organisation: holder!.organisationName, creditCode: holder!.creditCode! },
    algorithm: 'sm2',
  });
  const enrolled = await (await signedIn(p.services, username)).caller.certificate.enrol({ csrPem });
  return { privateKeyPem, certificatePem: enrolled.certificatePem, certificateId: enrolled.id };
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? `other: ${(error as Error).message}`;
  }
}

describe('the opening key of a GM/T (SM2) section', () => {
  let p: TestPlatform;
  let db: Database;
  let tenderer: TestClient;
  let custodianIds: string[];
  const certificates = new Map<string, TestCertificate>();

  beforeAll(async () => {
    p = await createTestPlatform();
    db = p.services.db;
    tenderer = await signedIn(p.services, 'tenderer');
    const rows = await db.select({ id: account.id, username: account.username }).from(account).where(inArray(account.username, [...CUSTODIANS]));
    custodianIds = CUSTODIANS.map((u) => rows.find((r) => r.username === u)!.id);
    // The supervisor held an RSA certificate before its SM2 one: the newest valid one gets the share.
    await enrolTestCertificate(p.services, 'supervisor');
    for (const username of CUSTODIANS) {
      certificates.set(username, CUSTODIAN_ALGORITHMS[username] === 'sm2' ? await enrolSm2Certificate(p, username) : await enrolTestCertificate(p.services, username));
    }
  });
  afterAll(async () => {
    await p?.close();
  });

  const draft = (envelopeSuite: string) => draftWithDocument(p, tenderer, { openingMode: 'bidderAndCustodians', custodianIds, custodianThreshold: 2, envelopeSuite });
  const publish = (sectionId: string) => tenderer.caller.tender.publish({ sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标</p>' });
  const stateOf = async (sectionId: string) => (await db.select({ state: section.state }).from(section).where(eq(section.id, sectionId)))[0]!.state;

  /** Each custodian opens its own sealed share with its certificate key, in CUSTODIANS order. */
  async function openShares(sectionId: string, expectKeyId: string) {
    const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
    return Promise.all(
      CUSTODIANS.map(async (username, i) => {
        const row = shares.find((s) => s.custodianId === custodianIds[i])!;
        const key = await privateKeyOf(certificates.get(username)!.privateKeyPem);
        return (await openSealedShare({ sealedShare: [row.sealedShare], key: { privateKey: key }, expectKeyId })).share;
      }),
    );
  }

  describe('published with custodians', () => {
    let sectionId: string;

    beforeAll(async () => {
      sectionId = await draft(SUITE_SM2_SM4);
      await publish(sectionId);
    });

    it('publishes an SM2 public half, one share per custodian sealed in its certificate’s suite, and a trace entry', async () => {
      expect(await stateOf(sectionId)).toBe('announced');
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      expect(key).toMatchObject({ suite: SUITE_SM2_SM4, threshold: 2, shareCount: 3, keyId: sha256Hex(key!.publicKeySpki) });
      expect(isSm2Spki(key!.publicKeySpki)).toBe(true);

      const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
      expect(shares.map((s) => s.custodianId).sort()).toEqual([...custodianIds].sort());
      for (const [i, username] of CUSTODIANS.entries()) {
        const row = shares.find((s) => s.custodianId === custodianIds[i])!;
        expect(row.certificateId).toBe(certificates.get(username)!.certificateId);
        const { header } = await readEnvelopeHeader([row.sealedShare]);
        expect(header.suite).toBe(CUSTODIAN_ALGORITHMS[username] === 'sm2' ? SUITE_SM2_SM4 : SUITE_RSA_AES);
        expect(header.metadata).toMatchObject({ 'opening-key': key!.keyId, custodian: custodianIds[i], threshold: '2', shares: '3' });
      }
      const traced = await db.select().from(traceEntry).where(eq(traceEntry.action, 'section.openingKey.create'));
      expect(traced.find((t) => t.targetId === sectionId)).toMatchObject({
        targetType: 'section',
        details: { keyId: key!.keyId, suite: SUITE_SM2_SM4, threshold: '2', shareCount: '3' },
      });
    });

    it('a bidder seals with the SM2 suite to sealingInfo’s recipients; any two custodians rebuild a key that opens the bid, one cannot', async () => {
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      const portal = await testClient(p.services).caller.portal.section({ sectionId });
      expect(portal.openingKey).toEqual({ suite: SUITE_SM2_SM4, keyId: key!.keyId, publicKeySpki: Buffer.from(key!.publicKeySpki).toString('base64') });

      const bidderCertificate = await enrolSm2Certificate(p, 'bidder1');
      const info = await (await signedIn(p.services, 'bidder1')).caller.bidding.sealingInfo({ sectionId });
      expect(info.suite).toBe(SUITE_SM2_SM4);
      expect(info.recipients.map((r) => r.role)).toEqual(['bidder', 'opening']);
      expect(info.recipients[1]).toEqual({ role: 'opening', keyId: key!.keyId, publicKeySpki: portal.openingKey!.publicKeySpki });
      const recipients = await Promise.all(
        info.recipients.map((r) => envelopeRecipientFromSpki({ role: r.role, spki: r.publicKeySpki, suite: SUITE_SM2_SM4, expectedKeyId: r.keyId })),
      );
      const sealed = await sealEnvelope({ plaintext: [new TextEncoder().encode(BID)], recipients, suite: SUITE_SM2_SM4, metadata: info.metadata });
      const envelope = await collect(sealed.bytes);
      await sealed.summary;

      const plainShares = await openShares(sectionId, key!.keyId);
      const publicKeySpki = new Uint8Array(Buffer.from(portal.openingKey!.publicKeySpki, 'base64'));
      for (const pair of [[0, 1], [0, 2], [1, 2]]) {
        const { privateKey, keyId } = await rebuildOpeningKey({ suite: portal.openingKey!.suite, publicKeySpki, threshold: 2, shares: pair.map((i) => plainShares[i]!) });
        expect(keyId).toBe(key!.keyId);
        expect(isSm2PrivateKey(privateKey)).toBe(true);
        const opened = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } });
        expect(opened.header.suite).toBe(SUITE_SM2_SM4);
        expect(new TextDecoder().decode(opened.plaintext)).toBe(BID);
      }
      // The bidder's own SM2 key opens it as well: the opening key is the fallback, not a replacement.
      const own = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: (await privateKeyOf(bidderCertificate.privateKeyPem)) } });
      expect(new TextDecoder().decode(own.plaintext)).toBe(BID);

      const rebuild = (shares: Uint8Array[]) => rebuildOpeningKey({ suite: SUITE_SM2_SM4, publicKeySpki, threshold: 2, shares });
      expect(await codeOf(rebuild([plainShares[0]!]))).toBe('not-enough-shares');
      expect(await codeOf(rebuild([plainShares[0]!, plainShares[0]!]))).toBe('shares-do-not-match');
      const damaged = Uint8Array.from(plainShares[1]!);
      damaged[40]! ^= 0x01;
      expect(await codeOf(rebuild([plainShares[0]!, damaged]))).toBe('shares-do-not-match');
    });

    it('a custodian cannot open another custodian’s share, of either algorithm', async () => {
      const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
      const share = (username: (typeof CUSTODIANS)[number]) => shares.find((s) => s.custodianId === custodianIds[CUSTODIANS.indexOf(username)])!.sealedShare;
      const keyOf = async (username: (typeof CUSTODIANS)[number]) => privateKeyOf(certificates.get(username)!.privateKeyPem);
      expect(await codeOf(openSealedShare({ sealedShare: [share('centre')], key: { privateKey: await keyOf('supervisor') } }))).toBe('wrong-share');
      expect(await codeOf(openSealedShare({ sealedShare: [share('centre')], key: { privateKey: await keyOf('centre.dj') } }))).toBe('wrong-share');
      expect(await codeOf(openSealedShare({ sealedShare: [share('centre.dj')], key: { privateKey: await keyOf('centre') } }))).toBe('wrong-share');
    });

    it('stores no private opening-key material: neither the PKCS#8, the SM2 scalar d, nor any plain share, in any encoding', async () => {
      const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
      const plainShares = await openShares(sectionId, key!.keyId);
      const { privateKey, privateKeyPkcs8 } = await rebuildOpeningKey({ suite: key!.suite, publicKeySpki: key!.publicKeySpki, shares: plainShares, exportPkcs8: true });
      if (!isSm2PrivateKey(privateKey)) throw new Error('expected an SM2 key');
      const d = Buffer.from(privateKey.d);
      // The PKCS#8 ends with the public point, which rightly appears in the SPKI: look for the whole
      // PKCS#8, d and windows of d, and windows of every plain share.
      const needles = [Buffer.from(privateKeyPkcs8!), d, d.subarray(0, 16), d.subarray(16), ...plainShares.map((s) => Buffer.from(s).subarray(30, 54))];
      const encodings = needles.flatMap((n) => [n.toString('hex'), n.toString('base64').slice(4, 20).toLowerCase()]);
      const values = await storedValues(db);
      for (const value of values) for (const needle of encodings) expect(value.includes(needle), 'stored value contains private material').toBe(false);
    });
  });

  it('an RSA-suite section with the same custodians: an RSA opening key, the SM2 custodians’ shares sealed with the GM/T suite', async () => {
    const sectionId = await draft(SUITE_RSA_AES);
    await publish(sectionId);
    const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
    expect(key).toMatchObject({ suite: SUITE_RSA_AES, threshold: 2, shareCount: 3 });
    expect(isSm2Spki(key!.publicKeySpki)).toBe(false);
    const shares = await db.select().from(openingKeyShare).where(eq(openingKeyShare.sectionId, sectionId));
    for (const [i, username] of CUSTODIANS.entries()) {
      const { header } = await readEnvelopeHeader([shares.find((s) => s.custodianId === custodianIds[i])!.sealedShare]);
      expect(header.suite).toBe(CUSTODIAN_ALGORITHMS[username] === 'sm2' ? SUITE_SM2_SM4 : SUITE_RSA_AES);
    }
    const sealed = await sealEnvelope({ plaintext: [new TextEncoder().encode(BID)], recipients: [{ role: 'opening', publicKey: key!.publicKeySpki }] });
    const envelope = await collect(sealed.bytes);
    const plainShares = await openShares(sectionId, key!.keyId);
    const { privateKey } = await rebuildOpeningKey({ suite: key!.suite, publicKeySpki: key!.publicKeySpki, threshold: 2, shares: [plainShares[0]!, plainShares[1]!] });
    expect(new TextDecoder().decode((await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } })).plaintext)).toBe(BID);
  });
});
