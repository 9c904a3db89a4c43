/**
 * Set-up for the custodian-recovery tests (API and CLI; never imported by the API itself): the three
 * demo custodians (centre, centre.dj, supervisor) with certificates, a section published with a
 * 2-of-3 opening key, and `bidderCount` companies whose bids are sealed to their own certificate and
 * to the opening key, uploaded and submitted. The deadline is left in the future.
 */
import { createKeyPairAndCsr } from '@ggzy/crypto';
import { account, eq, inArray, openingKey, organisation, section as sectionTable } from '@ggzy/db';
import { createBidBundle } from '@ggzy/domain';
import { createHash, createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import type { OpeningSchedule } from '@ggzy/domain';
import { bidObjectKey } from '../bidding/uploads';
import { createBidders, sealBid, submitStoredEnvelope, type TestBidder } from '../bidding/test-support';
import { draftWithDocument } from '../tender/opening-key-test-support';
import { enrolTestCertificate, signedIn, type TestCertificate, type TestPlatform } from '../testing';

export const CUSTODIANS = ['centre', 'centre.dj', 'supervisor'] as const;

export interface TestCustodian {
  username: string;
  id: string;
  name: string;
  certificate: TestCertificate;
}

const bytesOf = async (iterable: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const p of iterable) parts.push(p.slice());
  return Buffer.concat(parts);
};

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

/** Enrols a certificate for each demo custodian: RSA, or SM2 for those named in `sm2`. */
export async function enrolCustodians(p: TestPlatform, options: { sm2?: readonly string[] } = {}): Promise<Map<string, TestCustodian>> {
  const out = new Map<string, TestCustodian>();
  for (const username of CUSTODIANS) {
    const certificate = options.sm2?.includes(username) ? await enrolSm2Certificate(p, username) : await enrolTestCertificate(p.services, username);
    const [row] = await p.services.db.select({ id: account.id, name: account.displayName }).from(account).where(eq(account.username, username));
    out.set(username, { username, id: row!.id, name: row!.name, certificate });
  }
  return out;
}

/** A section of the demo tenderer published with the three custodians, k = 2 (custodians must hold certificates). */
export async function publishedCustodianSection(p: TestPlatform): Promise<{ id: string; code: string }> {
  const tenderer = await signedIn(p.services, 'tenderer');
  const db = p.services.db;
  const ids = await db.select({ id: account.id, username: account.username }).from(account).where(inArray(account.username, [...CUSTODIANS]));
  const sectionId = await draftWithDocument(p, tenderer, { openingMode: 'bidderAndCustodians', custodianIds: CUSTODIANS.map((u) => ids.find((r) => r.username === u)!.id), custodianThreshold: 2 });
  await tenderer.caller.tender.publish({ sectionId, noticeTitle: '招标公告', noticeHtml: '<p>欢迎投标</p>' });
  const [row] = await db.select({ id: sectionTable.id, code: sectionTable.code }).from(sectionTable).where(eq(sectionTable.id, sectionId));
  return row!;
}

/** `schedules.length` companies' bids sealed to their certificate and the section's opening key, submitted. */
export async function submitCustodianBids(p: TestPlatform, section: { id: string; code: string }, schedules: OpeningSchedule[]) {
  const db = p.services.db;
  const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, section.id));
  const bidders: TestBidder[] = await createBidders(p.services, schedules.length);
  const headers: Array<Awaited<ReturnType<typeof sealBid>>['header']> = [];
  for (const [i, b] of bidders.entries()) {
    const spki = createPublicKey(b.certificatePem).export({ type: 'spki', format: 'der' });
    const content = Buffer.from(`第${i}号投标人的商务文件 ${randomBytes(8).toString('hex')}`);
    const bundle = await bytesOf(createBidBundle({ openingSchedule: schedules[i]!, files: [{ part: 'commercial', name: '商务标.txt', size: content.length, stream: (async function* () { yield content; })() }] }).bytes);
    const sealed = await sealBid(
      {
        suite: key!.suite,
        recipients: [{ role: 'bidder', publicKeySpki: spki.toString('base64') }, { role: 'opening', publicKeySpki: Buffer.from(key!.publicKeySpki).toString('base64') }],
        metadata: { section: section.code, bidder: b.creditCode },
      },
      bundle,
    );
    headers.push(sealed.header);
    const uploadId = randomUUID();
    await p.services.store.put(bidObjectKey(section.id, uploadId), sealed.bytes);
    await submitStoredEnvelope(p.services, section, b, { uploadId, summary: sealed.summary, headerBytes: sealed.headerBytes, suite: key!.suite, recipientKeyIds: [`bidder:${createHash('sha256').update(spki).digest('hex')}`, `opening:${key!.keyId}`] });
  }
  return { bidders, headers, key: key! };
}
