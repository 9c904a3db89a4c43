/**
 * The closed opening record as the signed PDF (docs/decisions/015-signed-pdf.md): the document filled
 * from the hall's rows, confirmations and objections, rendered in Chinese, signed with the platform's
 * document-signing certificate and stored write-once under `records/<sectionId>/`.
 */
import { account, alias, certificate, eq, hallObjection, openingRecordConfirmation, organisation, project, section, type Database } from '@ggzy/db';
import { renderOpeningRecordPdf, signPdf, type OpeningRecordDocument, type PdfSigner } from '@ggzy/pdf';
import type { ObjectStore } from '@ggzy/storage';
import { createHash } from 'node:crypto';
import { recordRows } from './record';

/** The object key of a record's PDF: its SHA-256 is part of the key, so the hall row carries both. */
export const recordPdfKey = (sectionId: string, pdfSha256: string) => `records/${sectionId}/opening-${pdfSha256}.pdf`;
export const pdfSha256OfKey = (key: string) => /opening-([0-9a-f]{64})\.pdf$/.exec(key)?.[1] ?? null;

type Objection = typeof hallObjection.$inferSelect;
type Confirmation = typeof openingRecordConfirmation.$inferSelect;

/** Fills the document from what the hall holds (call in the closing transaction). */
export async function openingRecordPdfDocument(
  tx: Database,
  input: { sectionId: string; openedAt: Date; closedAt: Date; hostAccountId: string; confirmations: Confirmation[]; objections: Objection[] },
): Promise<OpeningRecordDocument> {
  const tenderer = alias(organisation, 'tenderer');
  const agency = alias(organisation, 'agency');
  const centre = alias(organisation, 'centre');
  const [facts] = await tx
    .select({ sectionCode: section.code, sectionName: section.name, projectCode: project.code, projectName: project.name, tenderer: tenderer.name, agency: agency.name, centre: centre.name })
    .from(section)
    .innerJoin(project, eq(project.id, section.projectId))
    .innerJoin(tenderer, eq(tenderer.id, project.tendererId))
    .leftJoin(agency, eq(agency.id, project.agencyId))
    .innerJoin(centre, eq(centre.id, project.centreId))
    .where(eq(section.id, input.sectionId));
  if (!facts) throw new Error(`section ${input.sectionId} not found`);
  const names = new Map<string, string>();
  const nameOf = async (accountId: string | null) => {
    if (!accountId) return '—';
    if (!names.has(accountId)) {
      const [a] = await tx.select({ name: account.displayName }).from(account).where(eq(account.id, accountId));
      names.set(accountId, a?.name ?? '—');
    }
    return names.get(accountId)!;
  };
  const rows = await recordRows(tx, input.sectionId);
  const companies = new Map(rows.map((r) => [r.organisationId, { company: r.companyName, creditCode: r.creditCode ?? '—' }]));
  const companyOf = async (organisationId: string) => {
    if (!companies.has(organisationId)) {
      const [o] = await tx.select({ name: organisation.name, creditCode: organisation.creditCode }).from(organisation).where(eq(organisation.id, organisationId));
      companies.set(organisationId, { company: o?.name ?? organisationId, creditCode: o?.creditCode ?? '—' });
    }
    return companies.get(organisationId)!;
  };
  const confirmations = [];
  for (const c of input.confirmations) {
    const [cert] = await tx.select({ subject: certificate.subject }).from(certificate).where(eq(certificate.id, c.certificateId));
    confirmations.push({
      ...(await companyOf(c.organisationId)),
      confirmedAt: c.at.toISOString(),
      certificateSubject: cert?.subject ?? c.certificateId,
      signatureSha256: createHash('sha256').update(c.signature).digest('hex'),
    });
  }
  const objections = [];
  for (const o of [...input.objections].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    objections.push({
      company: (await companyOf(o.organisationId)).company,
      raisedAt: o.at.toISOString(),
      text: o.text,
      answer: o.answer && o.answeredAt ? { by: await nameOf(o.answeredBy), text: o.answer, answeredAt: o.answeredAt.toISOString() } : null,
    });
  }
  return {
    version: 1,
    section: { code: facts.sectionCode, name: facts.sectionName },
    project: { code: facts.projectCode, name: facts.projectName },
    tenderer: facts.tenderer,
    ...(facts.agency ? { agency: facts.agency } : {}),
    centre: facts.centre,
    host: await nameOf(input.hostAccountId),
    openedAt: input.openedAt.toISOString(),
    closedAt: input.closedAt.toISOString(),
    rows: rows.map((r) => ({
      order: r.position,
      company: r.companyName,
      creditCode: r.creditCode ?? '—',
      state: r.outcome,
      ...(r.reason ? { stateReason: r.reason } : {}),
      schedule:
        r.priceFen === null || r.durationDays === null
          ? null
          : { priceFen: r.priceFen, durationDays: r.durationDays, quality: r.quality ?? '—', bondReference: r.bondReference ?? '—' },
      ciphertextSha256: r.ciphertextSha256,
      digestMatches: r.matchesReceipt,
    })),
    confirmations,
    objections,
  } as OpeningRecordDocument;
}

/** Renders, signs (at the database's closing time) and stores the record; returns its key and digest. */
export async function storeSignedRecordPdf(
  store: ObjectStore,
  signer: PdfSigner,
  sectionId: string,
  document: OpeningRecordDocument,
  /** The hall's record digest (traced at close), printed in every footer. */
  recordSha256: string,
): Promise<{ key: string; sha256: string; bytes: number }> {
  const unsigned = await renderOpeningRecordPdf(document, { recordSha256 });
  const signed = await signPdf(unsigned, signer, {
    reason: '开标记录签章 Opening record seal',
    name: document.centre,
    location: document.centre,
    signingTime: new Date(document.closedAt),
  });
  const sha256 = createHash('sha256').update(signed).digest('hex');
  const key = recordPdfKey(sectionId, sha256);
  await store.put(key, Buffer.from(signed), { contentType: 'application/pdf' });
  return { key, sha256, bytes: signed.length };
}

