import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter } from '../organisation/credit-code';
import { SECTION_STATES } from '../tender/lifecycle';
import { ocidOf, releasePackage, sectionRelease, type SectionForRelease } from './release';
import type { OcdsRelease } from './types';
import { undeclaredFields, validateRelease, validateReleasePackage } from './testdata/validate';

const creditCode = (first17: string): string => first17 + creditCodeCheckCharacter(first17);
const BUYER_CODE = creditCode('12320100466012345');
const AGENCY_CODE = creditCode('91320100MA1N2P3Q4');

/** A freshly announced construction section (工程建设, 公开招标) run by an agency. */
function announcedConstruction(): SectionForRelease {
  return {
    ocidPrefix: 'ocds-abc123',
    baseUrl: 'https://ggzy.example.cn/',
    section: {
      id: 'b6f1c2d4-0000-4000-8000-000000000001',
      code: 'NJ-2025-GC-0001-01',
      name: '南京市玄武区小学教学楼新建工程施工',
      type: 'construction',
      method: 'open',
      state: 'announced',
      estimatedPrice: 123_456_789,
      bond: 2_000_000,
      bidValidityDays: 90,
      documentsFrom: '2025-03-03T09:00:00+08:00',
      documentsUntil: '2025-03-10T17:00:00+08:00',
      deadline: '2025-03-24T09:30:00+08:00',
      publishedAt: '2025-03-03T09:00:00+08:00',
      stateChangedAt: '2025-03-03T09:00:00+08:00',
      stateReason: null,
    },
    project: { id: 'p-1', code: 'NJ-2025-GC-0001', name: '玄武区小学教学楼新建工程' },
    buyer: { id: 'org-buyer', name: '南京市玄武区教育局', creditCode: BUYER_CODE },
    procuringEntity: { id: 'org-agency', name: '江苏某工程咨询有限公司', creditCode: AGENCY_CODE },
    centre: { id: 'org-centre', name: '南京市公共资源交易中心' },
    region: { code: '320100', name: '江苏省南京市' },
    documents: [
      {
        id: 'doc-1',
        filename: '招标文件.pdf',
        contentType: 'application/pdf',
        sha256: 'a'.repeat(64),
        size: 1_024_000,
        version: 1,
        uploadedAt: '2025-03-01T10:00:00+08:00',
        superseded: true,
      },
      {
        id: 'doc-2',
        filename: '招标文件（修订）.pdf',
        contentType: 'application/pdf',
        sha256: 'b'.repeat(64),
        size: 1_030_000,
        version: 2,
        uploadedAt: '2025-03-02T10:00:00+08:00',
        superseded: false,
      },
      {
        id: 'doc-3',
        filename: '施工图纸.zip',
        contentType: 'application/zip',
        sha256: 'c'.repeat(64),
        size: 50_000_000,
        version: 2,
        uploadedAt: '2025-03-02T10:05:00+08:00',
        superseded: false,
      },
    ],
    notices: [{ id: 'n-1', kind: 'tender', title: '玄武区小学教学楼新建工程施工招标公告', publishedAt: '2025-03-03T09:00:00+08:00' }],
  };
}

/** A government procurement section (政府采购, 邀请招标) without an agency, amended after publication. */
function amendedProcurement(): SectionForRelease {
  const base = announcedConstruction();
  return {
    ...base,
    section: {
      ...base.section,
      id: 'b6f1c2d4-0000-4000-8000-000000000002',
      code: 'NJ-2025-CG-0007-02',
      name: '办公设备采购（第二包）',
      type: 'procurement',
      method: 'invited',
      estimatedPrice: 58_000_000,
    },
    project: { id: 'p-2', code: 'NJ-2025-CG-0007', name: '区政府办公设备采购' },
    buyer: { id: 'org-buyer-2', name: '南京市玄武区机关事务管理局', creditCode: null },
    procuringEntity: null,
    documents: [
      { ...base.documents[0]!, id: 'doc-21', filename: '采购文件.pdf' },
      { ...base.documents[1]!, id: 'doc-22', filename: '采购文件（修订）.pdf', uploadedAt: '2025-03-06T10:00:00+08:00' },
    ],
    notices: [
      { id: 'n-21', kind: 'tender', title: '投标邀请书', publishedAt: '2025-03-03T09:00:00+08:00' },
      { id: 'n-22', kind: 'clarification', title: '关于技术参数的澄清', publishedAt: '2025-03-05T15:00:00+08:00' },
      { id: 'n-23', kind: 'amendment', title: '关于调整投标截止时间的变更公告', publishedAt: '2025-03-06T10:00:00+08:00' },
      { id: 'n-24', kind: 'objectionAnswer', title: '关于资格条件异议的答复', publishedAt: '2025-03-06T16:00:00+08:00' },
    ],
  };
}

/** 流标: fewer than three bids at the deadline (实施条例 art. 44). */
function failedSection(): SectionForRelease {
  const base = announcedConstruction();
  return {
    ...base,
    section: {
      ...base.section,
      code: 'NJ-2025-GC-0001-02',
      state: 'failed',
      stateChangedAt: '2025-03-24T09:30:00+08:00',
      stateReason: '投标人不足 3 家，依法流标',
    },
  };
}

function cancelledSection(): SectionForRelease {
  const base = announcedConstruction();
  return {
    ...base,
    section: {
      ...base.section,
      code: 'NJ-2025-GC-0001-03',
      state: 'cancelled',
      stateChangedAt: '2025-03-12T14:00:00+08:00',
      stateReason: '项目规划调整，招标人终止招标',
    },
  };
}

/** A land-use rights listing (土地使用权 挂牌): the bidder pays the tenderer. */
function landUseListing(): SectionForRelease {
  const base = announcedConstruction();
  return {
    ...base,
    section: {
      ...base.section,
      code: 'NJ-2025-TD-0003-01',
      name: 'NO.2025G03 地块国有建设用地使用权',
      type: 'landUse',
      method: 'listing',
      estimatedPrice: 98_765_432_100,
    },
    project: { id: 'p-3', code: 'NJ-2025-TD-0003', name: '玄武区 2025 年第三批经营性用地' },
    buyer: { id: 'org-land', name: '南京市规划和自然资源局', creditCode: null },
    procuringEntity: null,
    documents: [{ ...base.documents[1]!, id: 'doc-31', filename: '挂牌出让文件.pdf', version: 1 }],
    notices: [{ id: 'n-31', kind: 'tender', title: '国有建设用地使用权挂牌出让公告', publishedAt: '2025-03-03T09:00:00+08:00' }],
  };
}

const FIXTURES: Array<[string, () => SectionForRelease]> = [
  ['a freshly announced construction section with an agency', announcedConstruction],
  ['an amended procurement section without an agency', amendedProcurement],
  ['a failed section', failedSection],
  ['a cancelled section with a reason', cancelledSection],
  ['a land-use listing', landUseListing],
];

function expectValidRelease(release: OcdsRelease): void {
  const result = validateRelease(release);
  expect(result.report, 'schema errors').toBe('');
  expect(result.valid).toBe(true);
  expect(undeclaredFields(release), 'fields outside core OCDS 1.1').toEqual([]);
}

describe('ocidOf', () => {
  it('joins the registered prefix and the section code with a hyphen', () => {
    expect(ocidOf('ocds-abc123', 'NJ-2025-GC-0001-01')).toBe('ocds-abc123-NJ-2025-GC-0001-01');
  });

  it('refuses a prefix that is not a registered OCID prefix, and an empty code', () => {
    expect(() => ocidOf('abc123', 'X')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => ocidOf('ocds-ABC123', 'X')).toThrow(/OCID 前缀.*\/ the OCID prefix/);
    expect(() => ocidOf('ocds-abc123', '')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => ocidOf('ocds-abc123', ' X')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('sectionRelease against the official OCDS 1.1 release schema', () => {
  it.each(FIXTURES)('%s is a valid release using only core fields', (_name, fixture) => {
    expectValidRelease(sectionRelease(fixture()));
  });

  it.each(SECTION_STATES)('a section in state %s still validates', (state) => {
    const input = announcedConstruction();
    input.section.state = state;
    expectValidRelease(sectionRelease(input));
  });
});

describe('sectionRelease mapping', () => {
  it('maps a freshly announced construction section', () => {
    const release = sectionRelease(announcedConstruction());
    expect(release.ocid).toBe('ocds-abc123-NJ-2025-GC-0001-01');
    expect(release.tag).toEqual(['tender']);
    expect(release.initiationType).toBe('tender');
    expect(release.language).toBe('zh');
    expect(release.date).toBe('2025-03-03T01:00:00.000Z');

    const { tender } = release;
    expect(tender.id).toBe('NJ-2025-GC-0001-01');
    expect(tender.title).toBe('南京市玄武区小学教学楼新建工程施工');
    expect(tender.description).toBe('玄武区小学教学楼新建工程（项目编号：NJ-2025-GC-0001）');
    expect(tender.status).toBe('active');
    expect(tender.value).toEqual({ amount: 1234567.89, currency: 'CNY' });
    expect(tender.procurementMethod).toBe('open');
    expect(tender.procurementMethodDetails).toBe('公开招标');
    expect(tender.mainProcurementCategory).toBe('works');
    expect(tender.submissionMethod).toEqual(['electronicSubmission']);
    expect(tender.tenderPeriod).toEqual({ startDate: '2025-03-03T01:00:00.000Z', endDate: '2025-03-24T01:30:00.000Z' });
    expect(tender.amendments).toBeUndefined();
    expect(JSON.stringify(release)).not.toMatch(/2000000|20000\.00|bond|保证金/);
  });

  it('names the buyer, the agency and the centre, with their credit codes where known', () => {
    const release = sectionRelease(announcedConstruction());
    expect(release.buyer).toEqual({ id: 'org-buyer', name: '南京市玄武区教育局' });
    expect(release.tender.procuringEntity).toEqual({ id: 'org-agency', name: '江苏某工程咨询有限公司' });
    expect(release.parties.map((p) => [p.id, p.roles])).toEqual([
      ['org-buyer', ['buyer']],
      ['org-agency', ['procuringEntity']],
      ['org-centre', ['otherWitness']],
    ]);
    expect(release.parties[0]!.identifier).toEqual({ scheme: 'CN-USCI', id: BUYER_CODE, legalName: '南京市玄武区教育局' });
    expect(release.parties[1]!.identifier?.id).toBe(AGENCY_CODE);
    expect(release.parties[2]!.identifier).toBeUndefined();
    for (const party of release.parties) expect(party.address).toEqual({ region: '江苏省南京市', countryName: '中国' });
  });

  it('lists every tender document version, superseded ones included, and every notice', () => {
    const { tender } = sectionRelease(announcedConstruction());
    expect(tender.documents).toHaveLength(4);
    const [v1, v2, drawings, notice] = tender.documents;
    expect(v1).toMatchObject({
      id: 'doc-1',
      documentType: 'biddingDocuments',
      title: '招标文件.pdf',
      format: 'application/pdf',
      url: 'https://ggzy.example.cn/sections/b6f1c2d4-0000-4000-8000-000000000001/documents/doc-1',
      datePublished: '2025-03-01T02:00:00.000Z',
      description: '第 1 版（已被第 2 版取代）',
    });
    expect(v2?.description).toBe('第 2 版（现行）');
    expect(drawings?.format).toBe('application/zip');
    expect(notice).toEqual({
      id: 'notice-n-1',
      documentType: 'tenderNotice',
      title: '玄武区小学教学楼新建工程施工招标公告',
      url: 'https://ggzy.example.cn/sections/b6f1c2d4-0000-4000-8000-000000000001#notice-n-1',
      datePublished: '2025-03-03T01:00:00.000Z',
      format: 'text/html',
    });
  });

  it('maps an amended procurement section invited without an agency', () => {
    const release = sectionRelease(amendedProcurement());
    expect(release.tag).toEqual(['tenderAmendment']);
    expect(release.tender.status).toBe('active');
    expect(release.tender.value.amount).toBe(580000);
    expect(release.tender.procurementMethod).toBe('limited');
    expect(release.tender.procurementMethodDetails).toBe('邀请招标');
    expect(release.tender.mainProcurementCategory).toBeUndefined();
    expect(release.tender.procuringEntity).toBeUndefined();
    expect(release.parties.map((p) => p.roles)).toEqual([['buyer'], ['otherWitness']]);
    expect(release.parties[0]!.identifier).toBeUndefined();
    expect(release.tender.amendments).toEqual([{ id: 'n-23', date: '2025-03-06T02:00:00.000Z', rationale: '关于调整投标截止时间的变更公告' }]);
    expect(release.tender.documents.map((d) => [d.id, d.documentType])).toEqual([
      ['doc-21', 'biddingDocuments'],
      ['doc-22', 'biddingDocuments'],
      ['notice-n-21', 'tenderNotice'],
      ['notice-n-22', 'clarifications'],
      ['notice-n-23', 'tenderNotice'],
      ['notice-n-24', 'clarifications'],
    ]);
  });

  it('gives a release a new date and id when a notice is published without a state change', () => {
    const amended = amendedProcurement();
    const before = sectionRelease({ ...amended, notices: amended.notices.slice(0, 1), documents: amended.documents.slice(0, 1) });
    const after = sectionRelease(amended);
    expect(before.date).toBe('2025-03-03T01:00:00.000Z');
    expect(after.date).toBe('2025-03-06T08:00:00.000Z');
    expect(after.id).not.toBe(before.id);
  });

  it('makes the release id URL-safe and free of #', () => {
    const release = sectionRelease(announcedConstruction());
    expect(release.id).toBe('ocds-abc123-NJ-2025-GC-0001-01-20250303T010000.000Z');
    expect(release.id).toMatch(/^[A-Za-z0-9._~%-]+$/);

    const odd = announcedConstruction();
    odd.section.code = '宁#2025/01';
    const encoded = sectionRelease(odd);
    expect(encoded.ocid).toBe('ocds-abc123-宁#2025/01');
    expect(encoded.id).not.toContain('#');
    expect(encoded.id).toMatch(/^[A-Za-z0-9._~%-]+$/);
    expectValidRelease(encoded);
  });

  it('maps a failed section to an unsuccessful tender and says why', () => {
    const release = sectionRelease(failedSection());
    expect(release.tag).toEqual(['tenderUpdate']);
    expect(release.tender.status).toBe('unsuccessful');
    expect(release.date).toBe('2025-03-24T01:30:00.000Z');
    expect(release.tender.documents.at(-1)).toMatchObject({
      documentType: 'unsuccessfulDetails',
      title: '流标原因',
      description: '投标人不足 3 家，依法流标',
      datePublished: '2025-03-24T01:30:00.000Z',
    });
  });

  it('says, while an objection is open, that bidding is suspended (实施条例 art. 22), and stays valid', () => {
    const plain = sectionRelease(announcedConstruction());
    const suspended = sectionRelease({ ...announcedConstruction(), suspension: { since: '2025-03-10T15:00:00+08:00', answerDue: '2025-03-14T00:00:00+08:00' } });
    expect(suspended.tender.status).toBe('active');
    expect(suspended.date).toBe('2025-03-10T07:00:00.000Z');
    expect(suspended.id).not.toBe(plain.id);
    expect(suspended.tender.documents.at(-1)).toMatchObject({
      id: 'suspension',
      documentType: 'complaints',
      title: '招标活动暂停（异议处理中） / Bidding suspended: an objection is being answered',
      datePublished: '2025-03-10T07:00:00.000Z',
    });
    expectValidRelease(suspended);
    expect(plain.tender.documents.some((d) => d.id === 'suspension')).toBe(false);
    // A section no longer announced has nothing to suspend.
    const failed = sectionRelease({ ...failedSection(), suspension: { since: '2025-03-10T15:00:00+08:00', answerDue: '2025-03-14T00:00:00+08:00' } });
    expect(failed.tender.documents.some((d) => d.id === 'suspension')).toBe(false);
  });

  it('maps a cancelled section to a cancellation carrying the reason', () => {
    const release = sectionRelease(cancelledSection());
    expect(release.tag).toEqual(['tenderCancellation']);
    expect(release.tender.status).toBe('cancelled');
    const reason = release.tender.documents.filter((d) => d.documentType === 'cancellationDetails');
    expect(reason).toHaveLength(1);
    expect(reason[0]).toMatchObject({ title: '终止原因', description: '项目规划调整，招标人终止招标', url: 'https://ggzy.example.cn/sections/b6f1c2d4-0000-4000-8000-000000000001' });
    expect(release.tender.documents).toHaveLength(5);
  });

  it('maps a land-use listing as an open sale whose value flows to the tenderer', () => {
    const release = sectionRelease(landUseListing());
    expect(release.tag).toEqual(['tender']);
    expect(release.tender.procurementMethod).toBe('open');
    expect(release.tender.procurementMethodDetails).toBe('挂牌');
    expect(release.tender.value).toEqual({ amount: -987654321, currency: 'CNY' });
    expect(release.tender.mainProcurementCategory).toBeUndefined();
  });

  it.each([
    ['draft', 'planned', 'planning'],
    ['announced', 'active', 'tender'],
    ['opening', 'complete', 'tenderUpdate'],
    ['evaluating', 'complete', 'tenderUpdate'],
    ['publicity', 'complete', 'tenderUpdate'],
    ['awarded', 'complete', 'tenderUpdate'],
    ['archived', 'complete', 'tenderUpdate'],
    ['failed', 'unsuccessful', 'tenderUpdate'],
    ['cancelled', 'cancelled', 'tenderCancellation'],
  ] as const)('state %s → tender.status %s, tag %s', (state, status, tag) => {
    const input = announcedConstruction();
    input.section.state = state;
    const release = sectionRelease(input);
    expect(release.tender.status).toBe(status);
    expect(release.tag).toEqual([tag]);
  });

  it.each([
    ['open', 'open', '公开招标'],
    ['invited', 'limited', '邀请招标'],
    ['listing', 'open', '挂牌'],
    ['auction', 'open', '拍卖'],
  ] as const)('method %s → procurementMethod %s (%s)', (method, ocds, label) => {
    const input = announcedConstruction();
    input.section.method = method;
    const { tender } = sectionRelease(input);
    expect(tender.procurementMethod).toBe(ocds);
    expect(tender.procurementMethodDetails).toBe(label);
  });

  it('does not name the buyer a second time as procuring entity', () => {
    const input = announcedConstruction();
    input.procuringEntity = { ...input.buyer };
    const release = sectionRelease(input);
    expect(release.tender.procuringEntity).toBeUndefined();
    expect(release.parties.map((p) => p.id)).toEqual(['org-buyer', 'org-centre']);
  });

  it('refuses times without an offset and amounts that are not whole fen', () => {
    const noOffset = announcedConstruction();
    noOffset.section.deadline = '2025-03-24T09:30:00';
    expect(() => sectionRelease(noOffset)).toThrow(/section.deadline 应为带时区的 ISO 8601 时间/);

    const fraction = announcedConstruction();
    fraction.section.estimatedPrice = 12.5;
    expect(() => sectionRelease(fraction)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));

    const badUrl = announcedConstruction();
    badUrl.baseUrl = 'ggzy.example.cn';
    expect(() => sectionRelease(badUrl)).toThrow(/门户地址无效/);
  });
});

describe('releasePackage', () => {
  const meta = {
    uri: 'https://ggzy.example.cn/ocds/release-packages/2025-03-24.json',
    publishedDate: '2025-03-24T10:00:00+08:00',
    publisher: { name: '南京市公共资源交易中心', uri: 'https://ggzy.example.cn' },
  };

  it('packages the releases of every fixture into a valid OCDS 1.1 release package', () => {
    const releases = FIXTURES.map(([, fixture]) => sectionRelease(fixture()));
    const pkg = releasePackage(releases, meta);
    const result = validateReleasePackage(pkg);
    expect(result.report, 'schema errors').toBe('');
    expect(result.valid).toBe(true);
    expect(pkg.version).toBe('1.1');
    expect(pkg.publishedDate).toBe('2025-03-24T02:00:00.000Z');
    expect(pkg.publisher).toEqual(meta.publisher);
    expect(pkg.releases).toHaveLength(5);
    expect(pkg).not.toHaveProperty('extensions');
  });

  it('leaves out a publisher URI that was not given', () => {
    const pkg = releasePackage([sectionRelease(announcedConstruction())], { ...meta, publisher: { name: '南京市公共资源交易中心' } });
    expect(pkg.publisher).toEqual({ name: '南京市公共资源交易中心' });
    expect(validateReleasePackage(pkg).report).toBe('');
  });

  it('refuses an empty package and the same release twice', () => {
    expect(() => releasePackage([], meta)).toThrow(/至少包含一个发布/);
    const release = sectionRelease(announcedConstruction());
    expect(() => releasePackage([release, release], meta)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('the schema check is live', () => {
  const valid = (): OcdsRelease => sectionRelease(announcedConstruction());

  it('rejects a tender status outside the closed tenderStatus codelist', () => {
    const release = { ...valid(), tender: { ...valid().tender, status: 'open' } };
    const result = validateRelease(release);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.instancePath)).toContain('/tender/status');
  });

  it('rejects a release without an ocid', () => {
    const { ocid: _ocid, ...release } = valid();
    const result = validateRelease(release);
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual(expect.objectContaining({ keyword: 'required', params: { missingProperty: 'ocid' } }));
  });

  it('checks formats: a date without a time zone and a relative document URL fail', () => {
    const release = valid();
    const broken = {
      ...release,
      date: '2025-03-03 09:00',
      tender: { ...release.tender, documents: [{ ...release.tender.documents[0]!, url: '/sections/1/documents/1' }] },
    };
    const paths = validateRelease(broken).errors.map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toEqual(expect.arrayContaining(['/date format', '/tender/documents/0/url format']));
  });

  it('follows the package schema into the release schema (resolved locally) and checks the package itself', () => {
    const release = valid();
    const pkg = releasePackage([release], {
      uri: 'https://ggzy.example.cn/ocds/p.json',
      publishedDate: '2025-03-24T10:00:00Z',
      publisher: { name: '中心' },
    });
    const badRelease = validateReleasePackage({ ...pkg, releases: [{ ...release, tag: ['open'] }] });
    expect(badRelease.valid).toBe(false);
    expect(badRelease.errors.map((e) => e.instancePath)).toContain('/releases/0/tag/0');

    const { publisher: _publisher, ...noPublisher } = pkg;
    expect(validateReleasePackage(noPublisher).valid).toBe(false);
    expect(validateReleasePackage({ ...pkg, version: '1.1.5' }).valid).toBe(false);
  });

  it('notices fields outside core OCDS 1.1, and deprecated ones', () => {
    const release = valid();
    expect(undeclaredFields({ ...release, tender: { ...release.tender, bidBond: { amount: 20000 } } })).toEqual(['/tender/bidBond']);
    expect(undeclaredFields({ ...release, tender: { ...release.tender, amendment: { rationale: 'x' } } })).toEqual(['/tender/amendment (deprecated)']);
    expect(undeclaredFields({ ...release, parties: [{ ...release.parties[0]!, phone: '025' }] })).toEqual(['/parties/0/phone']);
  });
});
