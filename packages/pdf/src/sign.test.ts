import { createPlatformCa, type PlatformCa } from '@ggzy/crypto';

// One CA per test file (an RSA key takes time); @ggzy/api depends on this package, so not its test CA.
let ca_: Promise<PlatformCa> | null = null;
const testPlatformCa = () => (ca_ ??= createPlatformCa({ commonName: '测试平台 CA', organisation: '公共资源交易平台（测试）', validityYears: 5, modulusLength: 2048 }));
import { PDFDocument } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import forge from 'node-forge';
import { renderOpeningRecordPdf } from './opening-record';
import { issueDocumentSigningCertificate } from './platform-certificate';
import { signPdf, type PdfKeySigner } from './sign';
import { sampleRecord } from './test-support';
import { verifyPdfSignatures } from './verify';

let platform: PdfKeySigner;
let member: PdfKeySigner;
let unsigned: Uint8Array;
const at = new Date('2026-12-07T02:41:30Z');

beforeAll(async () => {
  const ca = await testPlatformCa();
  platform = issueDocumentSigningCertificate(ca);
  member = issueDocumentSigningCertificate(ca, { commonName: '评标委员会成员 李明' });
  unsigned = await renderOpeningRecordPdf(sampleRecord(3));
});

describe('issueDocumentSigningCertificate', () => {
  it('issues a signing-only certificate under the platform CA', async () => {
    const ca = await testPlatformCa();
    const cert = forge.pki.certificateFromPem(platform.certificateChainPem[0]!);
    expect(forge.util.decodeUtf8(cert.subject.getField('CN').value)).toBe('公共资源交易平台 开标记录签章');
    const usage = cert.getExtension('keyUsage') as { digitalSignature: boolean; nonRepudiation: boolean; keyCertSign: boolean; critical: boolean };
    expect(usage).toMatchObject({ digitalSignature: true, nonRepudiation: true, keyCertSign: false, critical: true });
    expect((cert.getExtension('basicConstraints') as { cA: boolean }).cA).toBe(false);
    expect(forge.pki.certificateFromPem(ca.certificatePem).verify(cert)).toBe(true);
    expect(platform.certificateChainPem[1]).toBe(ca.certificatePem);
  });
});

describe('signPdf / verifyPdfSignatures', () => {
  it('finds no signature in an unsigned file', async () => {
    expect(await verifyPdfSignatures(unsigned)).toEqual([]);
  });

  it('signs by appending: the original bytes are untouched, the signature covers the whole file', async () => {
    const signed = await signPdf(unsigned, platform, { reason: '开标记录签章 Opening record seal', name: '公共资源交易平台', location: '杭州', signingTime: at });
    expect(Buffer.from(signed.subarray(0, unsigned.length)).equals(Buffer.from(unsigned))).toBe(true);
    const [check, ...rest] = await verifyPdfSignatures(signed);
    expect(check?.problem).toBeUndefined();
    expect(rest).toEqual([]);
    expect(check).toMatchObject({
      intact: true,
      coversWholeDocument: true,
      coversWholeDocumentUpTo: signed.length,
      fieldName: 'Signature1',
      signingTime: at,
    });
    expect(check!.signerSubject).toContain('CN=公共资源交易平台 开标记录签章');
    // Still a PDF that pdf-lib (and so a reader) loads, with the same pages.
    expect((await PDFDocument.load(signed)).getPageCount()).toBe(1);
  });

  it('reports a changed byte of the signed content as not intact', async () => {
    const signed = await signPdf(unsigned, platform, { reason: '开标记录签章', name: '公共资源交易平台', location: '杭州', signingTime: at });
    const text = Buffer.from(signed).toString('latin1');
    // One byte inside the first page's content, far from the signature.
    const tampered = new Uint8Array(signed);
    const position = text.indexOf('/Producer');
    tampered[position + 1] = 'Q'.charCodeAt(0);
    const [check] = await verifyPdfSignatures(tampered);
    expect(check).toMatchObject({ intact: false, problem: 'the signed bytes were changed' });
  });

  it('reports a signature that does not belong to the certificate as not intact', async () => {
    const forged = await signPdf(unsigned, { certificateChainPem: platform.certificateChainPem, sign: (data) => signWith(member.keyPem, data) }, { reason: 'x', name: 'x', location: 'x', signingTime: at });
    const [check] = await verifyPdfSignatures(forged);
    expect(check).toMatchObject({ intact: false, problem: 'the CMS signature does not verify' });
  });

  it('accepts an external signer (a key held elsewhere) as the same signature', async () => {
    const signed = await signPdf(unsigned, { certificateChainPem: member.certificateChainPem, sign: (data) => signWith(member.keyPem, data) }, { reason: '评标报告签名', name: '李明', location: '杭州', signingTime: at });
    const [check] = await verifyPdfSignatures(signed);
    expect(check).toMatchObject({ intact: true, coversWholeDocument: true });
    expect(check!.signerSubject).toContain('CN=评标委员会成员 李明');
  });

  it('keeps the first signature intact when a second is appended, and says which covers the whole file', async () => {
    const once = await signPdf(unsigned, platform, { reason: '开标记录签章', name: '公共资源交易平台', location: '杭州', signingTime: at });
    const later = new Date('2026-12-07T03:00:00Z');
    const twice = await signPdf(once, member, { reason: '评标报告签名', name: '李明', location: '杭州', signingTime: later });
    expect(Buffer.from(twice.subarray(0, once.length)).equals(Buffer.from(once))).toBe(true);
    const checks = await verifyPdfSignatures(twice);
    expect(checks).toHaveLength(2);
    expect(checks[0]).toMatchObject({ intact: true, coversWholeDocument: false, coversWholeDocumentUpTo: once.length, fieldName: 'Signature1', signingTime: at });
    expect(checks[1]).toMatchObject({ intact: true, coversWholeDocument: true, coversWholeDocumentUpTo: twice.length, fieldName: 'Signature2', signingTime: later });
    expect(checks[1]!.signerSubject).toContain('李明');

    // A change in the second revision breaks the second signature only.
    const tampered = new Uint8Array(twice);
    const text = Buffer.from(twice).toString('latin1');
    const inSecond = text.indexOf('/Reason', once.length);
    tampered[inSecond + 1] = 'S'.charCodeAt(0);
    const after = await verifyPdfSignatures(tampered);
    expect(after.map((c) => c.intact)).toEqual([true, false]);
  });
});

async function signWith(keyPem: string, data: Uint8Array): Promise<Uint8Array> {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, data as BufferSource));
}
