import { PDFDocument, PDFName, PDFDict, PDFArray, PDFRawStream, PDFRef, decodePDFRawStream } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { openFontProgram } from './fonts';
import { openingRecordDigest, renderOpeningRecordPdf } from './opening-record';
import { sampleRecord, sampleRow } from './test-support';

describe('renderOpeningRecordPdf', () => {
  it('embeds a subset of Noto Sans SC with the glyph of every Chinese character of the record', async () => {
    const record = sampleRecord(3);
    const pdf = await renderOpeningRecordPdf(record);
    expect(pdf.length).toBeLessThan(200_000);
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(1);
    const fonts = [];
    for (const [, object] of doc.context.enumerateIndirectObjects()) {
      if (!(object instanceof PDFDict) || object.get(PDFName.of('Subtype'))?.toString() !== '/Type0') continue;
      expect(object.get(PDFName.of('BaseFont'))?.toString()).toMatch(/^\/NotoSansSC-(Regular|Bold)/);
      const descendant = object.lookup(PDFName.of('DescendantFonts'), PDFArray).lookup(0, PDFDict);
      const descriptor = descendant.lookup(PDFName.of('FontDescriptor'), PDFDict);
      const program = openFontProgram(decodePDFRawStream(descriptor.lookup(PDFName.of('FontFile2')) as PDFRawStream).decode());
      const cmap = new TextDecoder().decode(decodePDFRawStream(object.lookup(PDFName.of("ToUnicode")) as PDFRawStream).decode());
      // <glyph id> <UTF-16BE>: which glyph of the subset draws which character.
      const glyphOf = new Map<string, number>();
      for (const [, gid, unicode] of cmap.matchAll(/<([0-9a-f]{4})>\s*<([0-9a-f]{4,8})>/gi))
        glyphOf.set(String.fromCharCode(...unicode!.match(/.{4}/g)!.map((u) => parseInt(u, 16))), parseInt(gid!, 16));
      fonts.push({ program, glyphOf });
    }
    expect(fonts.length).toBe(2);
    const regular = fonts.find((f) => f.glyphOf.has('滨'))!;
    // A subset: a few hundred glyphs of the font's tens of thousands.
    expect(regular.program.numGlyphs).toBeLessThan(1000);
    for (const ch of '杭州建筑工程有限公司滨江区壹佰贰拾叁万仟伍陆柒捌玖元角分第页共投标人的工期与招标文件要求不符') {
      const gid = regular.glyphOf.get(ch);
      expect(gid, ch).toBeDefined();
      // The glyph is in the subset program (its id is below the subset's glyph count).
      expect(gid!, ch).toBeLessThan(regular.program.numGlyphs);
      expect(gid!, ch).toBeGreaterThan(0);
    }
    // A character that appears nowhere in the record was not carried along.
    expect(regular.glyphOf.has('龘')).toBe(false);
    // Every character drawn, in both weights, has an outline in the subset: no blank glyphs (the
    // defect of @pdf-lib/fontkit 1.1.1's subsetting, which dropped the outlines of many CJK glyphs).
    let checked = 0;
    for (const { program, glyphOf } of fonts) {
      for (const [ch, gid] of glyphOf) {
        if (/\s/.test(ch)) continue;
        const glyph = program.getGlyph(gid);
        expect(glyph.path.commands.length, `${ch} (glyph ${gid})`).toBeGreaterThan(0);
        expect(glyph.bbox.maxX - glyph.bbox.minX, ch).toBeGreaterThan(0);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('writes the ToUnicode map so the text can be copied and searched', async () => {
    const pdf = await renderOpeningRecordPdf(sampleRecord(1));
    const doc = await PDFDocument.load(pdf);
    let maps = '';
    for (const [, object] of doc.context.enumerateIndirectObjects()) {
      if (object instanceof PDFDict && object.get(PDFName.of('ToUnicode')) instanceof PDFRef) {
        const stream = object.lookup(PDFName.of('ToUnicode')) as PDFRawStream;
        maps += new TextDecoder().decode(decodePDFRawStream(stream).decode());
      }
    }
    // 开 is U+5F00, 标 U+6807.
    expect(maps.toLowerCase()).toContain('<5f00>');
    expect(maps.toLowerCase()).toContain('<6807>');
  });

  it('runs to several pages for 60 bids, every row and every page numbered', async () => {
    const record = sampleRecord(60);
    record.rows[4] = sampleRow(5, { state: 'revoked', schedule: null, digestMatches: null, stateReason: '投标人未在解密时间内解密' });
    record.rows[9] = sampleRow(10, { state: 'recovered', custodians: ['李明', '赵丽'] });
    record.rows[14] = sampleRow(15, { state: 'withdrawn', schedule: null, digestMatches: null, stateReason: '交易中心系统故障' });
    const pdf = await renderOpeningRecordPdf(record);
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBeGreaterThan(3);
    // Each page has its own content stream; the footers use the same digest.
    expect(doc.getPages().every((p) => p.node.lookup(PDFName.of('Contents')) !== undefined)).toBe(true);
  });

  it('is the same file for the same record, and the digest follows the content', async () => {
    const a = await renderOpeningRecordPdf(sampleRecord(2));
    const b = await renderOpeningRecordPdf(sampleRecord(2));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const changed = sampleRecord(2);
    changed.rows[0]!.schedule!.priceFen += 1;
    expect(openingRecordDigest(changed)).not.toBe(openingRecordDigest(sampleRecord(2)));
    expect(openingRecordDigest(sampleRecord(2))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a record that is not well formed', async () => {
    const bad = sampleRecord(1);
    bad.rows[0]!.ciphertextSha256 = 'not-hex';
    await expect(renderOpeningRecordPdf(bad)).rejects.toThrow(/SHA-256/);
  });
});

