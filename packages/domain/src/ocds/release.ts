/**
 * A tender section (标段) as an Open Contracting Data Standard 1.1 release (DESIGN.md §7: machine-
 * readable exports of notices and results). Core schema only: the package declares no extensions,
 * so every field below exists in testdata/release-schema.json (the tests check this).
 *
 * | OCDS field                        | from                                                                          |
 * |-----------------------------------|-------------------------------------------------------------------------------|
 * | ocid                              | `${ocidPrefix}-${section.code}` (ocidOf)                                      |
 * | id                                | `${ocid}-${date as 20250301T080000.000Z}`, percent-encoded: no '#', no ':'     |
 * | date                              | section.stateChangedAt, or the latest notice / document publication if later  |
 * | tag                               | draft → planning; announced → tender, or tenderAmendment once an amendment    |
 * |                                   | notice exists; cancelled → tenderCancellation; every other state → tenderUpdate|
 * | initiationType / language         | 'tender' / 'zh'                                                               |
 * | parties[]                         | buyer (招标人) roles [buyer]; agency (招标代理) roles [procuringEntity];         |
 * |                                   | centre (交易中心) roles [otherWitness]; identifier {CN-USCI, creditCode} when  |
 * |                                   | known; address {region: region.name, countryName: 中国}                       |
 * | buyer / tender.procuringEntity    | {id, name} of the buyer / agency; no procuringEntity without an agency, or    |
 * |                                   | when the agency is the buyer itself (as OCDS asks)                            |
 * | tender.id / title / description   | section.code / section.name / `${project.name}（项目编号：${project.code}）`   |
 * | tender.status                     | draft planned; announced active; opening, evaluating, publicity, awarded,     |
 * |                                   | archived complete; failed (流标) unsuccessful; cancelled cancelled            |
 * | tender.value                      | {amount: estimatedPrice fen / 100, currency CNY}; NEGATIVE for stateProperty, |
 * |                                   | landUse and emissions, where the bidder pays the tenderer (OCDS: a negative   |
 * |                                   | value means payments from the supplier to the buyer)                          |
 * | tender.procurementMethod          | open → open; invited (邀请招标) → limited; listing, auction → open             |
 * | tender.procurementMethodDetails   | 公开招标 / 邀请招标 / 挂牌 / 拍卖                                               |
 * | tender.mainProcurementCategory    | construction → works; omitted otherwise (goods vs services is not known)      |
 * | tender.submissionMethod           | [electronicSubmission]                                                        |
 * | tender.tenderPeriod               | {startDate: documentsFrom, endDate: deadline}                                 |
 * | tender.documents[]                | every tender document version, superseded ones too (biddingDocuments); every  |
 * |                                   | notice: tender → tenderNotice, clarification and objectionAnswer →            |
 * |                                   | clarifications, amendment → tenderNotice; a failed or cancelled section with  |
 * |                                   | a reason gets unsuccessfulDetails / cancellationDetails carrying the reason   |
 * |                                   | an announced section suspended by an open objection (实施条例 art. 22) gets a  |
 * |                                   | 'suspension' document (complaints) saying so, dated when it began            |
 * | tender.amendments[]               | one per amendment notice: {id, date: publishedAt, rationale: title}           |
 * | (not exported)                    | bond, bidValidityDays, documentsUntil: core 1.1 has no field for them         |
 *
 * Choices a reader would otherwise question:
 * - The centre is not a reviewBody: in China complaints go to the administrative supervisor
 *   (行政监督部门), and the trading platform's operator may not exercise supervisory powers
 *   (公共资源交易平台管理暂行办法). It runs the venue, witnesses the process (见证) and keeps the record;
 *   'otherWitness' ("a witness attends one or more stages of the procurement process to observe
 *   proceedings") says exactly that. The code is in the OCDS partyRole codelist as developed after
 *   1.1, not in 1.1.5's own list; partyRole is an open codelist in 1.1, so the release stays valid.
 *   No 1.1 code fits: reviewBody would tell readers to take challenges to the centre.
 * - 邀请招标 is 'limited', not 'selective': the tenderer chooses whom to invite (招标投标法 art. 10),
 *   which is the method codelist's 'limited' (suppliers chosen by the buyer or procuring entity);
 *   'selective' means any supplier may qualify.
 * - 1.1's documentType codelist has no amendment code; an amendment notice (变更公告) modifies the
 *   tender notice and is published as one, and the change itself is in tender.amendments.
 * - 1.1 has no tender.statusDetails, so the reason a section failed or was cancelled travels as a
 *   document: 'cancellationDetails' (in 1.1) or 'unsuccessfulDetails' (added to the open
 *   documentType codelist after 1.1; 流标 is not a cancellation).
 * - The bid bond (保证金) has no core field. The community guarantees extension, or the submission
 *   terms extension's depositsGuarantees and bidValidityPeriod, would carry it and the validity
 *   period; adding either means declaring it in the package's `extensions`.
 * - A release's id must differ whenever its content differs. A clarification or amendment does not
 *   change the section state, so keying on stateChangedAt alone would reuse the previous release's
 *   id; the date (and with it the id) is therefore the latest thing that changed.
 * - Drafts map to a 'planning' release for completeness, but whether a draft is shown at all is the
 *   caller's decision: this function never decides visibility.
 * - 1.1 has no suspended tender status either: a suspended section stays 'active' (it is, and it
 *   resumes on the answer), and the suspension travels as a document of type 'complaints' ("complaints
 *   and decisions", in 1.1's documentType codelist), which is what an objection (异议) is. Its date
 *   is when bidding was suspended, so the release's id changes when the suspension begins; the answer
 *   notice changes it again when it ends. Who objected, and how many did, are not published.
 * - Dates are normalised to UTC (toISOString); input instants must carry Z or an offset.
 */
import { AppError } from '../errors';
import type { SectionState } from '../tender/lifecycle';
import { TENDER_METHOD_LABELS, type TenderMethod, type TransactionType } from '../tender/types';
import type {
  OcdsAmendment,
  OcdsDocument,
  OcdsDocumentType,
  OcdsOrganization,
  OcdsPartyRole,
  OcdsProcurementMethod,
  OcdsRelease,
  OcdsReleasePackage,
  OcdsReleaseTag,
  OcdsTender,
  OcdsTenderStatus,
} from './types';

export type NoticeKind = 'tender' | 'amendment' | 'clarification' | 'objectionAnswer' | 'failure';

export interface SectionForRelease {
  /** Registered OCID prefix, e.g. 'ocds-abc123'. */
  ocidPrefix: string;
  /** Public portal URL, e.g. 'https://ggzy.example.cn'. */
  baseUrl: string;
  section: {
    id: string;
    code: string;
    name: string;
    type: TransactionType;
    method: TenderMethod;
    state: SectionState;
    /** fen (1/100 yuan), integer */
    estimatedPrice: number;
    /** fen */
    bond: number;
    bidValidityDays: number;
    /** ISO 8601 instants, with Z or an offset */
    documentsFrom: string;
    documentsUntil: string;
    deadline: string;
    publishedAt: string;
    stateChangedAt: string;
    stateReason: string | null;
  };
  project: { id: string; code: string; name: string };
  /** The tenderer (招标人). */
  buyer: { id: string; name: string; creditCode: string | null };
  /** The agency (招标代理), if any. */
  procuringEntity: { id: string; name: string; creditCode: string | null } | null;
  centre: { id: string; name: string };
  region: { code: string; name: string };
  documents: Array<{
    id: string;
    filename: string;
    contentType: string;
    sha256: string;
    size: number;
    version: number;
    uploadedAt: string;
    superseded: boolean;
  }>;
  notices: Array<{ id: string; kind: NoticeKind; title: string; publishedAt: string }>;
  /** Bidding suspended by an open objection (实施条例 art. 22): since when, and the answer's due time. */
  suspension?: { since: string; answerDue: string } | null | undefined;
}

export interface ReleasePackageMeta {
  uri: string;
  publishedDate: string;
  publisher: { name: string; uri?: string };
}

/** OCDS 1.1 identifiers: 'ocds-' and six lower-case letters or digits, assigned by the OCP. */
const OCID_PREFIX = /^ocds-[a-z0-9]{6}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

const TENDER_STATUS: Record<SectionState, OcdsTenderStatus> = {
  draft: 'planned',
  announced: 'active',
  opening: 'complete',
  evaluating: 'complete',
  publicity: 'complete',
  awarded: 'complete',
  archived: 'complete',
  failed: 'unsuccessful',
  cancelled: 'cancelled',
};

const PROCUREMENT_METHOD: Record<TenderMethod, OcdsProcurementMethod> = {
  open: 'open',
  invited: 'limited',
  listing: 'open',
  auction: 'open',
};

const NOTICE_DOCUMENT_TYPE: Record<NoticeKind, OcdsDocumentType> = {
  tender: 'tenderNotice',
  amendment: 'tenderNotice',
  clarification: 'clarifications',
  objectionAnswer: 'clarifications',
  // 流标公告 (the failure notice published at the deadline)
  failure: 'unsuccessfulDetails',
};

/** Transactions in which the winning bidder pays the tenderer: sales of rights and assets. */
const DISPOSALS: ReadonlySet<TransactionType> = new Set<TransactionType>(['stateProperty', 'landUse', 'emissions']);

const CENTRE_ROLE: OcdsPartyRole = 'otherWitness';
const COUNTRY_NAME = '中国';

function invalid(zh: string, en: string, details: Record<string, string> = {}): AppError {
  return new AppError('INVALID_INPUT', { zh, en }, details);
}

export function ocidOf(prefix: string, sectionCode: string): string {
  if (!OCID_PREFIX.test(prefix)) {
    throw invalid(
      `OCID 前缀“${prefix}”无效，应为 ocds- 加 6 位小写字母或数字`,
      `the OCID prefix "${prefix}" is not of the form ocds- and six lower-case letters or digits`,
      { prefix },
    );
  }
  if (sectionCode.length === 0 || sectionCode.trim() !== sectionCode) {
    throw invalid('标段编号不能为空，且首尾不能有空格', 'the section code must be non-empty, without surrounding spaces', { sectionCode });
  }
  return `${prefix}-${sectionCode}`;
}

function instant(value: string, field: string): Date {
  const date = ISO_INSTANT.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw invalid(`${field} 应为带时区的 ISO 8601 时间：${value}`, `${field} must be an ISO 8601 time with its offset: ${value}`, { field, value });
  }
  return date;
}

const iso = (value: string, field: string): string => instant(value, field).toISOString();

function portalBase(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid(`门户地址无效：${baseUrl}`, `the portal URL is not a URL: ${baseUrl}`, { baseUrl });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`门户地址应为 http(s)：${baseUrl}`, `the portal URL must be http(s): ${baseUrl}`, { baseUrl });
  }
  return baseUrl.replace(/\/+$/, '');
}

/** Exact for every whole number of fen up to Number.MAX_SAFE_INTEGER: IEEE division rounds correctly. */
function yuan(fen: number, field: string): number {
  if (!Number.isSafeInteger(fen) || fen < 0) {
    throw invalid(`${field} 应为非负整数（分）：${fen}`, `${field} must be a non-negative whole number of fen: ${fen}`, { field });
  }
  return fen / 100;
}

function releaseTag(state: SectionState, amended: boolean): OcdsReleaseTag {
  switch (state) {
    case 'draft':
      return 'planning';
    case 'announced':
      return amended ? 'tenderAmendment' : 'tender';
    case 'cancelled':
      return 'tenderCancellation';
    default:
      return 'tenderUpdate';
  }
}

function organization(
  org: { id: string; name: string; creditCode?: string | null },
  roles: OcdsPartyRole[],
  region: string,
): OcdsOrganization {
  return {
    id: org.id,
    name: org.name,
    ...(org.creditCode ? { identifier: { scheme: 'CN-USCI' as const, id: org.creditCode, legalName: org.name } } : {}),
    address: { region, countryName: COUNTRY_NAME },
    roles,
  };
}

function versionNote(doc: SectionForRelease['documents'][number], all: SectionForRelease['documents']): string {
  if (!doc.superseded) return `第 ${doc.version} 版（现行）`;
  const newer = all.filter((d) => !d.superseded && d.version > doc.version).map((d) => d.version);
  return newer.length > 0 ? `第 ${doc.version} 版（已被第 ${Math.max(...newer)} 版取代）` : `第 ${doc.version} 版（已被取代）`;
}

export function sectionRelease(input: SectionForRelease): OcdsRelease {
  const { section, project, buyer, centre, region } = input;
  const ocid = ocidOf(input.ocidPrefix, section.code);
  const base = portalBase(input.baseUrl);
  const sectionUrl = `${base}/sections/${encodeURIComponent(section.id)}`;

  const changed = instant(section.stateChangedAt, 'section.stateChangedAt');
  const published = [
    ...input.notices.map((n) => instant(n.publishedAt, `notices[${n.id}].publishedAt`)),
    ...input.documents.map((d) => instant(d.uploadedAt, `documents[${d.id}].uploadedAt`)),
  ];
  const suspension = section.state === 'announced' && input.suspension ? input.suspension : null;
  if (suspension) published.push(instant(suspension.since, 'suspension.since'));
  const date = new Date(Math.max(changed.getTime(), ...published.map((d) => d.getTime()))).toISOString();

  const agency = input.procuringEntity && input.procuringEntity.id !== buyer.id ? input.procuringEntity : null;
  const parties: OcdsOrganization[] = [
    organization(buyer, ['buyer'], region.name),
    ...(agency ? [organization(agency, ['procuringEntity'], region.name)] : []),
    organization(centre, [CENTRE_ROLE], region.name),
  ];

  const documents: OcdsDocument[] = [
    ...input.documents.map(
      (doc): OcdsDocument => ({
        id: doc.id,
        documentType: 'biddingDocuments',
        title: doc.filename,
        description: versionNote(doc, input.documents),
        url: `${sectionUrl}/documents/${encodeURIComponent(doc.id)}`,
        datePublished: iso(doc.uploadedAt, `documents[${doc.id}].uploadedAt`),
        format: doc.contentType,
      }),
    ),
    ...input.notices.map(
      (notice): OcdsDocument => ({
        id: `notice-${notice.id}`,
        documentType: NOTICE_DOCUMENT_TYPE[notice.kind],
        title: notice.title,
        url: `${sectionUrl}#notice-${encodeURIComponent(notice.id)}`,
        datePublished: iso(notice.publishedAt, `notices[${notice.id}].publishedAt`),
        format: 'text/html',
      }),
    ),
  ];
  if (suspension) {
    documents.push({
      id: 'suspension',
      documentType: 'complaints',
      title: '招标活动暂停（异议处理中） / Bidding suspended: an objection is being answered',
      description: `招标文件有异议尚待答复，答复前暂停招标投标活动（招标投标法实施条例第二十二条），答复期限 ${iso(suspension.answerDue, 'suspension.answerDue')} / An objection to the tender documents is being answered; bidding is suspended until the answer (Implementing Regulations art. 22), due ${iso(suspension.answerDue, 'suspension.answerDue')}`,
      url: sectionUrl,
      datePublished: iso(suspension.since, 'suspension.since'),
      format: 'text/html',
    });
  }
  if ((section.state === 'cancelled' || section.state === 'failed') && section.stateReason) {
    const cancelled = section.state === 'cancelled';
    documents.push({
      id: cancelled ? 'cancellation' : 'failure',
      documentType: cancelled ? 'cancellationDetails' : 'unsuccessfulDetails',
      title: cancelled ? '终止原因' : '流标原因',
      description: section.stateReason,
      url: sectionUrl,
      datePublished: changed.toISOString(),
      format: 'text/html',
    });
  }

  const amendments: OcdsAmendment[] = input.notices
    .filter((n) => n.kind === 'amendment')
    .map((n) => ({ id: n.id, date: iso(n.publishedAt, `notices[${n.id}].publishedAt`), rationale: n.title }));

  const estimated = yuan(section.estimatedPrice, 'section.estimatedPrice');
  const tender: OcdsTender = {
    id: section.code,
    title: section.name,
    description: `${project.name}（项目编号：${project.code}）`,
    status: TENDER_STATUS[section.state],
    ...(agency ? { procuringEntity: { id: agency.id, name: agency.name } } : {}),
    value: { amount: DISPOSALS.has(section.type) && estimated !== 0 ? -estimated : estimated, currency: 'CNY' },
    procurementMethod: PROCUREMENT_METHOD[section.method],
    procurementMethodDetails: TENDER_METHOD_LABELS[section.method].zh,
    ...(section.type === 'construction' ? { mainProcurementCategory: 'works' as const } : {}),
    submissionMethod: ['electronicSubmission'],
    tenderPeriod: {
      startDate: iso(section.documentsFrom, 'section.documentsFrom'),
      endDate: iso(section.deadline, 'section.deadline'),
    },
    documents,
    ...(amendments.length > 0 ? { amendments } : {}),
  };

  return {
    ocid,
    id: `${encodeURIComponent(ocid)}-${date.replace(/[-:]/g, '')}`,
    date,
    tag: [releaseTag(section.state, amendments.length > 0)],
    initiationType: 'tender',
    language: 'zh',
    parties,
    buyer: { id: buyer.id, name: buyer.name },
    tender,
  };
}

export function releasePackage(releases: OcdsRelease[], meta: ReleasePackageMeta): OcdsReleasePackage {
  if (releases.length === 0) {
    throw invalid('发布包至少包含一个发布', 'a release package holds at least one release');
  }
  const seen = new Set<string>();
  for (const release of releases) {
    const key = `${release.ocid}\n${release.id}`;
    if (seen.has(key)) {
      throw invalid(`同一流程的发布 ID 重复：${release.id}`, `release ${release.id} appears twice for the same process`, { ocid: release.ocid, id: release.id });
    }
    seen.add(key);
  }
  portalBase(meta.uri);
  if (meta.publisher.uri !== undefined) portalBase(meta.publisher.uri);
  if (meta.publisher.name.trim() === '') {
    throw invalid('发布者名称不能为空', 'the publisher needs a name');
  }
  return {
    uri: meta.uri,
    version: '1.1',
    publishedDate: iso(meta.publishedDate, 'publishedDate'),
    publisher: { name: meta.publisher.name, ...(meta.publisher.uri !== undefined ? { uri: meta.publisher.uri } : {}) },
    releases,
  };
}
