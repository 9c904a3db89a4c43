/**
 * The opening record (开标记录) as a document: the plain data the hall fills in when the host closes
 * the record (issue 12 item 4), its canonical digest, and its A4 rendering in Chinese.
 */
import { toChineseCapitalAmount } from '@ggzy/domain';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { z } from 'zod';
import { loadCjkFont, pdfFontkit } from './fonts';

const text = (max: number) => z.string().trim().min(1).max(max);
const instant = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'a SHA-256 digest in lower-case hex' });

export const openingRecordRowSchema = z.strictObject({
  /** Reading order (唱标顺序), from 1. */
  order: z.number().int().min(1),
  company: text(200),
  creditCode: text(18),
  /**
   * decrypted: opened with the key the bidder handed over; recovered: opened with the opening key
   * rebuilt by the custodians; revoked (撤销): not opened through the bidder's fault; withdrawn (撤回):
   * not opened through someone else's fault (电子招标投标办法 art. 31).
   */
  state: z.enum(['decrypted', 'recovered', 'revoked', 'withdrawn']),
  /** Why a bid was revoked or withdrawn, or how it was recovered. */
  stateReason: z.string().trim().max(500).optional(),
  /** The custodians who took part in a recovery. */
  custodians: z.array(text(200)).optional(),
  /** The opening schedule read out of the bid (开标一览表); null for a bid that was not opened. */
  schedule: z
    .strictObject({
      priceFen: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      durationDays: z.number().int().min(1),
      quality: text(200),
      bondReference: text(200),
    })
    .nullable(),
  /** The ciphertext digest from the bidder's receipt; null when the hall has none (a bid not opened). */
  ciphertextSha256: sha256Hex.nullable(),
  /** Whether the decrypted bid's ciphertext matched the receipt's digest; null when not opened. */
  digestMatches: z.boolean().nullable(),
});

export const openingRecordDocumentSchema = z.strictObject({
  version: z.literal(1),
  section: z.strictObject({ code: text(100), name: text(300) }),
  project: z.strictObject({ code: text(100), name: text(300) }),
  tenderer: text(200),
  agency: z.string().trim().max(200).optional(),
  centre: text(200),
  host: text(200),
  /** When the hall opened and when the host closed the record (ISO 8601 with offset). */
  openedAt: instant,
  closedAt: instant,
  rows: z.array(openingRecordRowSchema),
  confirmations: z.array(
    z.strictObject({
      company: text(200),
      creditCode: text(18),
      confirmedAt: instant,
      /** Subject of the certificate that signed the confirmation. */
      certificateSubject: text(500),
      /** SHA-256 of the confirmation's signature, hex: ties the line to the trace log. */
      signatureSha256: sha256Hex,
    }),
  ),
  objections: z.array(
    z.strictObject({
      company: text(200),
      raisedAt: instant,
      // As long as the hall accepts (5000 characters).
      text: text(5000),
      answer: z.strictObject({ by: text(200), answeredAt: instant, text: text(5000) }).nullable(),
    }),
  ),
});

export type OpeningRecordRow = z.infer<typeof openingRecordRowSchema>;
export type OpeningRecordDocument = z.infer<typeof openingRecordDocumentSchema>;

/** The record's canonical JSON (RFC 8785), whose SHA-256 is printed in the footer and traced. */
export function canonicalOpeningRecord(record: OpeningRecordDocument): string {
  return canonicalize(openingRecordDocumentSchema.parse(record))!;
}

/** Hex SHA-256 over the record's canonical JSON. */
export function openingRecordDigest(record: OpeningRecordDocument): string {
  return createHash('sha256').update(canonicalOpeningRecord(record), 'utf8').digest('hex');
}

/** An instant in China Standard Time: 2026-12-07 18:00:00 (UTC+8). */
export function formatChinaTime(iso: string): string {
  const shifted = new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}（北京时间 UTC+8）`;
}

/** Fen as ¥1,234,567.89 (the same grouping as the web's formatYuan). */
export function formatYuanFigures(fen: number): string {
  const yuan = Math.trunc(fen / 100);
  return `¥${yuan.toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;
}

const STATE_LABEL: Record<OpeningRecordRow['state'], string> = {
  decrypted: '已解密 Decrypted',
  recovered: '已恢复解密 Recovered by custodians',
  revoked: '撤销 Revoked',
  withdrawn: '撤回 Withdrawn',
};

// A4 landscape: the table has nine columns, as paper opening records do.
const PAGE = { width: 841.89, height: 595.28 };
const MARGIN = { left: 36, right: 36, top: 40, bottom: 48 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const INK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.4, 0.4, 0.4);
const RULE = rgb(0.6, 0.6, 0.6);

/** Breaks text into lines no wider than width: at spaces for Latin words, anywhere between CJK characters. */
export function wrapText(value: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of value.split('\n')) {
    let line = '';
    // Tokens: a run of non-space Latin characters stays whole unless it alone is too wide.
    const tokens = paragraph.match(/[\u0021-\u007e]+|\s+|./gsu) ?? [];
    for (const token of tokens) {
      const candidate = line + token;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line.trim()) lines.push(line.trimEnd());
      line = token.trimStart();
      // A single token wider than the line (a hex digest): cut it by characters.
      while (font.widthOfTextAtSize(line, size) > width) {
        let cut = line.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

interface Column {
  header: string;
  width: number;
  cell(row: OpeningRecordRow): string;
}

const COLUMNS: Column[] = [
  { header: '序号\nNo.', width: 34, cell: (r) => String(r.order) },
  { header: '投标人 / 统一社会信用代码\nBidder / credit code', width: 138, cell: (r) => `${r.company}\n${r.creditCode}` },
  {
    header: '投标报价（元）小写 / 大写\nPrice (yuan) / in capitals',
    width: 150,
    cell: (r) => (r.schedule ? `${formatYuanFigures(r.schedule.priceFen)}\n${toChineseCapitalAmount(r.schedule.priceFen)}` : '—'),
  },
  { header: '工期（日历天）\nDuration (days)', width: 58, cell: (r) => (r.schedule ? String(r.schedule.durationDays) : '—') },
  { header: '质量承诺\nQuality', width: 70, cell: (r) => r.schedule?.quality ?? '—' },
  { header: '投标保证金\nBid bond', width: 84, cell: (r) => r.schedule?.bondReference ?? '—' },
  { header: '密文 SHA-256（回执）\nCiphertext SHA-256', width: 118, cell: (r) => r.ciphertextSha256 ?? '—' },
  {
    header: '与回执一致\nMatches receipt',
    width: 52,
    cell: (r) => (r.digestMatches === null ? '—' : r.digestMatches ? '一致 Yes' : '不一致 No'),
  },
  {
    header: '状态\nState',
    width: CONTENT_WIDTH - 34 - 138 - 150 - 58 - 70 - 84 - 118 - 52,
    cell: (r) => {
      const parts = [STATE_LABEL[r.state]];
      if (r.custodians?.length) parts.push(`保管人 Custodians：${r.custodians.join('、')}`);
      if (r.stateReason) parts.push(`原因 Reason：${r.stateReason}`);
      return parts.join('\n');
    },
  },
];

class Layout {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  y = 0;
  constructor(
    private readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
    private readonly onNewPage: (layout: Layout) => void,
  ) {
    this.newPage();
  }
  newPage(): void {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pages.push(this.page);
    this.y = PAGE.height - MARGIN.top;
    this.onNewPage(this);
  }
  /** Makes room for height points, starting a new page when the current one is full. */
  ensure(height: number): boolean {
    if (this.y - height >= MARGIN.bottom) return false;
    this.newPage();
    return true;
  }
  text(value: string, options: { x?: number; size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; width?: number; gap?: number } = {}): void {
    const size = options.size ?? 9;
    const font = options.bold ? this.bold : this.regular;
    const lineHeight = size * 1.45;
    for (const line of wrapText(value, font, size, options.width ?? CONTENT_WIDTH)) {
      this.ensure(lineHeight);
      this.y -= lineHeight;
      this.page.drawText(line, { x: options.x ?? MARGIN.left, y: this.y + size * 0.3, size, font, color: options.color ?? INK });
    }
    this.y -= options.gap ?? 0;
  }
}

const CELL_SIZE = 7.5;
const CELL_LINE = CELL_SIZE * 1.4;
const CELL_PAD = 3;

function cellLines(layout: Layout, value: string, width: number, bold = false): string[] {
  return wrapText(value, bold ? layout.bold : layout.regular, CELL_SIZE, width - 2 * CELL_PAD);
}

function drawRow(layout: Layout, cells: string[][], bold: boolean, shade: boolean): void {
  const height = Math.max(...cells.map((c) => c.length)) * CELL_LINE + 2 * CELL_PAD;
  const top = layout.y;
  if (shade) layout.page.drawRectangle({ x: MARGIN.left, y: top - height, width: CONTENT_WIDTH, height, color: rgb(0.93, 0.93, 0.93) });
  let x = MARGIN.left;
  cells.forEach((lines, i) => {
    const width = COLUMNS[i]!.width;
    lines.forEach((line, n) => {
      layout.page.drawText(line, {
        x: x + CELL_PAD,
        y: top - CELL_PAD - (n + 1) * CELL_LINE + CELL_SIZE * 0.35,
        size: CELL_SIZE,
        font: bold ? layout.bold : layout.regular,
        color: INK,
      });
    });
    layout.page.drawRectangle({ x, y: top - height, width, height, borderColor: RULE, borderWidth: 0.5 });
    x += width;
  });
  layout.y = top - height;
}

function drawTable(layout: Layout, rows: OpeningRecordRow[]): void {
  const header = COLUMNS.map((c) => cellLines(layout, c.header, c.width, true));
  const headerHeight = Math.max(...header.map((c) => c.length)) * CELL_LINE + 2 * CELL_PAD;
  const drawHeader = () => drawRow(layout, header, true, true);
  layout.ensure(headerHeight + CELL_LINE * 3);
  drawHeader();
  for (const row of rows) {
    const cells = COLUMNS.map((c) => cellLines(layout, c.cell(row), c.width));
    const height = Math.max(...cells.map((c) => c.length)) * CELL_LINE + 2 * CELL_PAD;
    // A row never splits across pages; the header repeats on each page of the table.
    if (layout.ensure(height)) drawHeader();
    drawRow(layout, cells, false, false);
  }
  if (rows.length === 0) layout.text('（无投标文件 No bids）', { color: GREY });
}

/**
 * The closed opening record as an A4 (landscape) PDF in Chinese with English subtitles, the font
 * subset embedded, page numbers and the record's SHA-256 in every footer. Deterministic for a given
 * record: no "now" goes into the file (the signature adds its own time).
 */
export async function renderOpeningRecordPdf(
  input: OpeningRecordDocument,
  options: { /** The digest to print in the footer, when the caller traces its own (the hall's recordSha256). */ recordSha256?: string } = {},
): Promise<Uint8Array> {
  const record = openingRecordDocumentSchema.parse(input);
  const digest = options.recordSha256 === undefined ? openingRecordDigest(record) : sha256Hex.parse(options.recordSha256);
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(pdfFontkit);
  const [regular, bold] = await Promise.all([
    loadCjkFont('regular').then((bytes) => doc.embedFont(bytes, { subset: true })),
    loadCjkFont('bold').then((bytes) => doc.embedFont(bytes, { subset: true })),
  ]);
  const title = `开标记录 ${record.section.code}`;
  doc.setTitle(`${title} ${record.section.name}`, { showInWindowTitleBar: true });
  doc.setSubject('开标记录 Bid opening record');
  doc.setAuthor(record.centre);
  doc.setCreator('公共资源交易平台 Public resource trading platform');
  doc.setProducer('@ggzy/pdf (pdf-lib)');
  doc.setLanguage('zh-CN');
  const fixed = new Date(record.closedAt);
  doc.setCreationDate(fixed);
  doc.setModificationDate(fixed);

  const layout = new Layout(doc, regular, bold, (l) => {
    if (l.pages.length === 1) return;
    // Running head on continuation pages.
    l.text(`开标记录 Bid opening record · ${record.section.code} ${record.section.name}`, { size: 8, color: GREY, gap: 6 });
  });

  layout.text('开标记录', { size: 20, bold: true, x: PAGE.width / 2 - bold.widthOfTextAtSize('开标记录', 20) / 2 });
  layout.text('Bid opening record', { size: 10, color: GREY, x: PAGE.width / 2 - regular.widthOfTextAtSize('Bid opening record', 10) / 2, gap: 8 });

  const facts: Array<[string, string]> = [
    ['标段（包）编号 Section code', record.section.code],
    ['标段（包）名称 Section', record.section.name],
    ['项目 Project', `${record.project.code} ${record.project.name}`],
    ['招标人 Tenderer', record.tenderer],
    ...(record.agency ? ([['招标代理机构 Agency', record.agency]] as Array<[string, string]>) : []),
    ['交易中心 Trading centre', record.centre],
    ['主持人 Host', record.host],
    ['开标时间 Opened', formatChinaTime(record.openedAt)],
    ['记录关闭时间 Record closed', formatChinaTime(record.closedAt)],
    ['投标文件数 Bids', String(record.rows.length)],
  ];
  const labelWidth = 170;
  for (const [label, value] of facts) {
    const top = layout.y;
    layout.text(label, { size: 9, color: GREY, width: labelWidth });
    const afterLabel = layout.y;
    layout.y = top;
    layout.text(value, { size: 9, x: MARGIN.left + labelWidth, width: CONTENT_WIDTH - labelWidth });
    layout.y = Math.min(layout.y, afterLabel);
  }
  layout.y -= 10;

  layout.text('唱标记录 Bids as read out', { size: 12, bold: true, gap: 4 });
  drawTable(layout, [...record.rows].sort((a, b) => a.order - b.order));
  layout.y -= 12;

  layout.text('投标人确认 Confirmations by the bidders', { size: 12, bold: true, gap: 2 });
  if (record.confirmations.length === 0) layout.text('（无 None）', { color: GREY });
  for (const c of record.confirmations) {
    layout.text(`${c.company}（${c.creditCode}）于 ${formatChinaTime(c.confirmedAt)} 以数字证书签名确认 / confirmed, signed`, { gap: 0 });
    layout.text(`证书 Certificate：${c.certificateSubject}　签名 SHA-256：${c.signatureSha256}`, { size: 7.5, color: GREY, x: MARGIN.left + 12, width: CONTENT_WIDTH - 12, gap: 2 });
  }
  layout.y -= 10;

  layout.text('异议及答复 Objections and answers', { size: 12, bold: true, gap: 2 });
  if (record.objections.length === 0) layout.text('（无 None）', { color: GREY });
  record.objections.forEach((o, i) => {
    layout.text(`${i + 1}. ${o.company} 于 ${formatChinaTime(o.raisedAt)} 提出异议 / objected：${o.text}`);
    if (o.answer) layout.text(`答复 Answer（${o.answer.by}，${formatChinaTime(o.answer.answeredAt)}）：${o.answer.text}`, { x: MARGIN.left + 12, width: CONTENT_WIDTH - 12, gap: 3 });
    else layout.text('未答复 Not answered', { x: MARGIN.left + 12, color: GREY, gap: 3 });
  });

  const total = layout.pages.length;
  layout.pages.forEach((page, i) => {
    const y = MARGIN.bottom - 24;
    page.drawLine({ start: { x: MARGIN.left, y: y + 12 }, end: { x: PAGE.width - MARGIN.right, y: y + 12 }, thickness: 0.5, color: RULE });
    page.drawText(`记录 SHA-256（规范 JSON）Record digest: ${digest}`, { x: MARGIN.left, y, size: 7, font: regular, color: GREY });
    const pageText = `第 ${i + 1} 页 / 共 ${total} 页  Page ${i + 1} of ${total}`;
    page.drawText(pageText, { x: PAGE.width - MARGIN.right - regular.widthOfTextAtSize(pageText, 8), y, size: 8, font: regular, color: INK });
  });

  // Classic cross-reference table, no object streams: every signature is then a plain incremental
  // update (sign.ts), which every reader handles.
  return doc.save({ useObjectStreams: false });
}
