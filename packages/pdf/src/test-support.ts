/** A realistic opening record for the tests (and for the hall's own tests to start from). */
import type { OpeningRecordDocument, OpeningRecordRow } from './opening-record';

const hex = (n: number) => (n.toString(16).padStart(2, '0').repeat(32)).slice(0, 64);

export function sampleRow(order: number, overrides: Partial<OpeningRecordRow> = {}): OpeningRecordRow {
  return {
    order,
    company: `杭州第${order}建筑工程有限公司`,
    creditCode: `91330100MA2${String(order).padStart(6, '0')}X`.slice(0, 18),
    state: 'decrypted',
    schedule: { priceFen: 123_456_789 + order * 1_000_00, durationDays: 180 + order, quality: '合格', bondReference: `保函 BH-2026-${String(order).padStart(4, '0')}` },
    ciphertextSha256: hex(order),
    digestMatches: true,
    ...overrides,
  };
}

export function sampleRecord(rows = 3): OpeningRecordDocument {
  return {
    version: 1,
    section: { code: 'HZ-2026-0042-01', name: '滨江区第二小学改扩建工程施工（一标段）' },
    project: { code: 'HZ-2026-0042', name: '滨江区第二小学改扩建工程' },
    tenderer: '杭州市滨江区教育局',
    agency: '浙江鸿锐工程咨询有限公司',
    centre: '杭州市公共资源交易中心',
    host: '王晓燕（交易中心）',
    openedAt: '2026-12-07T01:30:00Z',
    closedAt: '2026-12-07T02:41:12Z',
    rows: Array.from({ length: rows }, (_, i) => sampleRow(i + 1)),
    confirmations: [
      {
        company: '杭州第1建筑工程有限公司',
        creditCode: '91330100MA2000001X',
        confirmedAt: '2026-12-07T02:20:00Z',
        certificateSubject: 'C=CN, O=杭州第1建筑工程有限公司, CN=张伟',
        signatureSha256: 'ab'.repeat(32),
      },
    ],
    objections: [
      {
        company: '杭州第2建筑工程有限公司',
        raisedAt: '2026-12-07T02:25:00Z',
        text: '第 3 号投标人的工期与招标文件要求不符。',
        answer: { by: '王晓燕（交易中心）', answeredAt: '2026-12-07T02:35:00Z', text: '工期按开标一览表如实唱标，是否响应由评标委员会评审。' },
      },
    ],
  };
}
