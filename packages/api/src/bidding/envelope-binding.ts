/**
 * An envelope belongs to one bidder and one section (DESIGN.md §4, docs/sealed-bids.md §4.1): its
 * header names the section (code), the bidder (credit code) and its recipients, and the platform
 * accepts it only from that bidder, for that section, wrapped to exactly the recipients
 * `bidding.sealingInfo` prescribes. Checked when an upload completes (before a byte reaches the
 * store), again at submit on what bid_upload recorded, and again at the opening.
 */
import type { EnvelopeHeader } from '@ggzy/crypto';
import { and, bidUpload, certificate, eq, isNull, ne, openingKey, organisation, type Database, type Transaction } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { certificateAlgorithmOfSuite } from './sealing-info';

/** The reason codes of a binding refusal (details.reason, and the trace entry's reason). */
export const BINDING_REASONS = ['envelope-section', 'envelope-bidder', 'envelope-recipients', 'duplicate-ciphertext'] as const;
export type BindingReason = (typeof BINDING_REASONS)[number];
export const isBindingReason = (code: string): code is BindingReason => (BINDING_REASONS as readonly string[]).includes(code);

/** The trace action of a collusion signal (a copied bid), for the supervisor's viewer to filter on. */
export const COLLUSION_SIGNAL_ACTION = 'bid.collusion-signal';

/** What a header says it is, as bid_upload records it (not secret). */
export interface HeaderFacts {
  section: string | null;
  bidder: string | null;
  /** `role:keyId` (key id hex), in the header's order. */
  recipients: string[];
}

export const headerFactsOf = (header: EnvelopeHeader): HeaderFacts => ({
  section: header.metadata.section ?? null,
  bidder: header.metadata.bidder ?? null,
  recipients: header.recipients.map((r) => `${r.role}:${Buffer.from(r.keyId).toString('hex')}`),
});

/** What the world says an envelope of this caller for this section must be. */
export interface BindingWorld {
  sectionCode: string;
  /** The caller's company as sealingInfo names it: its credit code (its id if it has none). */
  bidder: string;
  /** Key ids of the caller's own certificates for this company, of the suite's algorithm, not revoked. */
  bidderKeyIds: ReadonlySet<string>;
  /** The section's opening key id where the section has custodians, else null. */
  openingKeyId: string | null;
  hasCustodians: boolean;
}

type Reader = Database | Transaction;

export async function bindingWorld(db: Reader, who: { sectionId: string; organisationId: string; accountId: string }, section: { code: string; envelopeSuite: string; openingMode: string }): Promise<BindingWorld> {
  const [company] = await db.select({ id: organisation.id, creditCode: organisation.creditCode }).from(organisation).where(eq(organisation.id, who.organisationId));
  const certificates = await db
    .select({ keyId: certificate.keyId })
    .from(certificate)
    .where(
      and(
        eq(certificate.accountId, who.accountId),
        eq(certificate.organisationId, who.organisationId),
        eq(certificate.algorithm, certificateAlgorithmOfSuite(section.envelopeSuite)),
        isNull(certificate.revokedAt),
      ),
    );
  const hasCustodians = section.openingMode === 'bidderAndCustodians';
  const [key] = hasCustodians ? await db.select({ keyId: openingKey.keyId }).from(openingKey).where(eq(openingKey.sectionId, who.sectionId)) : [];
  return {
    sectionCode: section.code,
    bidder: company?.creditCode ?? company?.id ?? who.organisationId,
    bidderKeyIds: new Set(certificates.map((c) => c.keyId.toLowerCase())),
    openingKeyId: key?.keyId.toLowerCase() ?? null,
    hasCustodians,
  };
}

export function bindingError(reason: BindingReason, details: Record<string, string> = {}): AppError {
  const d = { reason, ...details };
  switch (reason) {
    case 'envelope-section':
      return new AppError(
        'RULE_VIOLATION',
        {
          zh: `投标文件信封头载明的标段（${details.header || '未载明'}）不是本标段（${details.expected}）：该文件不是为本标段密封的，不予接收`,
          en: `The envelope's header names section ${details.header || '(none)'}, not this section (${details.expected}): it was not sealed for this section and is refused`,
        },
        d,
      );
    case 'envelope-bidder':
      return new AppError(
        'RULE_VIOLATION',
        {
          zh: `投标文件信封头载明的投标单位（${details.header || '未载明'}）不是本单位：只能提交本单位为本标段密封的投标文件`,
          en: `The envelope's header names another bidder (${details.header || '(none)'}) than your company: only a bid your company sealed for this section is accepted`,
        },
        d,
      );
    case 'envelope-recipients':
      return new AppError(
        'RULE_VIOLATION',
        details.custodians === 'yes'
          ? {
              zh: '投标文件的接收方与本标段要求不符：须且仅须为本人的数字证书和本标段的开标密钥；请按本标段的密封信息重新密封',
              en: 'The envelope is not wrapped to exactly the recipients this section prescribes (your own certificate and the section’s opening key); seal it again from the section’s sealing information',
            }
          : {
              zh: '投标文件的接收方与本标段要求不符：须且仅须为本人的数字证书；请按本标段的密封信息重新密封',
              en: 'The envelope is not wrapped to exactly the recipient this section prescribes (your own certificate); seal it again from the section’s sealing information',
            },
        d,
      );
    case 'duplicate-ciphertext':
      return new AppError(
        'RULE_VIOLATION',
        {
          zh: '该投标文件与其他投标单位上传的投标文件完全相同，不予接收，并已报告监督人员（涉嫌串通投标）',
          en: 'This sealed bid is byte for byte one another company uploaded; it is refused and reported to the supervisor (possible collusion)',
        },
        d,
      );
  }
}

/**
 * Why the header does not bind this envelope to the caller and the section, or null. Order: section,
 * bidder, recipients. `details` carries the header's (non-secret) values for the message.
 */
export function bindingRefusal(facts: HeaderFacts, world: BindingWorld): AppError | null {
  if (facts.section !== world.sectionCode) return bindingError('envelope-section', { header: facts.section ?? '', expected: world.sectionCode });
  if (facts.bidder !== world.bidder) return bindingError('envelope-bidder', { header: facts.bidder ?? '' });
  const bidders = facts.recipients.filter((r) => r.startsWith('bidder:'));
  const openings = facts.recipients.filter((r) => r.startsWith('opening:'));
  const custodians = world.hasCustodians ? 'yes' : 'no';
  const expectedCount = world.hasCustodians ? 2 : 1;
  const ok =
    facts.recipients.length === expectedCount &&
    bidders.length === 1 &&
    world.bidderKeyIds.has(bidders[0]!.slice('bidder:'.length).toLowerCase()) &&
    (world.hasCustodians ? openings.length === 1 && world.openingKeyId !== null && openings[0]!.slice('opening:'.length).toLowerCase() === world.openingKeyId : openings.length === 0);
  return ok ? null : bindingError('envelope-recipients', { custodians });
}

/**
 * Another company's upload of exactly these bytes (by ciphertext digest) or with exactly this header
 * (by header digest, for an upload still arriving), if there is one (the first, by creation).
 */
export async function otherCompanysUpload(db: Reader, sha256: string, organisationId: string, by: 'ciphertext' | 'header' = 'ciphertext'): Promise<{ id: string; organisationId: string } | null> {
  const [row] = await db
    .select({ id: bidUpload.id, organisationId: bidUpload.organisationId })
    .from(bidUpload)
    .where(and(eq(by === 'ciphertext' ? bidUpload.ciphertextSha256 : bidUpload.headerSha256, sha256), ne(bidUpload.organisationId, organisationId)))
    .orderBy(bidUpload.createdAt)
    .limit(1);
  return row ?? null;
}
