/**
 * The part of OCDS 1.1 (core release schema, no extensions) that this platform emits. Every field
 * here exists in testdata/release-schema.json; release.test.ts walks the emitted JSON against the
 * schema and fails on any field the core schema does not define. Codes are typed as the exact
 * codes we use, not the whole codelists.
 */

/** releaseTag (closed in 1.1): the subset a tender section can produce. */
export type OcdsReleaseTag = 'planning' | 'tender' | 'tenderAmendment' | 'tenderUpdate' | 'tenderCancellation';

/** tenderStatus (closed). 'planning' and 'withdrawn' exist in 1.1 but no section state maps to them. */
export type OcdsTenderStatus = 'planned' | 'active' | 'complete' | 'unsuccessful' | 'cancelled';

/** method (closed). 'direct' exists in 1.1 but the platform runs no single-source procedure. */
export type OcdsProcurementMethod = 'open' | 'limited';

/** procurementCategory (closed). Only construction is known to be works; see release.ts. */
export type OcdsProcurementCategory = 'works';

/** partyRole is an open codelist; see release.ts for why the centre is an 'otherWitness'. */
export type OcdsPartyRole = 'buyer' | 'procuringEntity' | 'otherWitness';

/** documentType is an open codelist. */
export type OcdsDocumentType = 'biddingDocuments' | 'tenderNotice' | 'clarifications' | 'complaints' | 'cancellationDetails' | 'unsuccessfulDetails';

export interface OcdsIdentifier {
  /** org-id.guide list code; CN-USCI is 统一社会信用代码. */
  scheme: 'CN-USCI';
  id: string;
  legalName: string;
}

export interface OcdsAddress {
  region: string;
  countryName: string;
}

export interface OcdsOrganization {
  id: string;
  name: string;
  identifier?: OcdsIdentifier;
  address: OcdsAddress;
  roles: OcdsPartyRole[];
}

export interface OcdsOrganizationReference {
  id: string;
  name: string;
}

export interface OcdsValue {
  amount: number;
  currency: 'CNY';
}

export interface OcdsPeriod {
  startDate: string;
  endDate: string;
}

export interface OcdsDocument {
  id: string;
  documentType: OcdsDocumentType;
  title: string;
  description?: string;
  url: string;
  datePublished: string;
  format: string;
}

export interface OcdsAmendment {
  id: string;
  date: string;
  rationale: string;
}

export interface OcdsTender {
  id: string;
  title: string;
  description: string;
  status: OcdsTenderStatus;
  procuringEntity?: OcdsOrganizationReference;
  value: OcdsValue;
  procurementMethod: OcdsProcurementMethod;
  procurementMethodDetails: string;
  mainProcurementCategory?: OcdsProcurementCategory;
  submissionMethod: ['electronicSubmission'];
  tenderPeriod: OcdsPeriod;
  documents: OcdsDocument[];
  amendments?: OcdsAmendment[];
}

export interface OcdsRelease {
  ocid: string;
  id: string;
  date: string;
  tag: [OcdsReleaseTag];
  initiationType: 'tender';
  language: 'zh';
  parties: OcdsOrganization[];
  buyer: OcdsOrganizationReference;
  tender: OcdsTender;
}

export interface OcdsPublisher {
  name: string;
  uri?: string;
}

export interface OcdsReleasePackage {
  uri: string;
  version: '1.1';
  publishedDate: string;
  publisher: OcdsPublisher;
  releases: OcdsRelease[];
}
