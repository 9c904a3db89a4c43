/**
 * Cross-opening, both suites (RSA and SM2 GM/T): an envelope sealed the way the bid page's worker
 * seals (apps/web/app/lib/bid/seal.worker.ts: the portable backend, recipients from sealingInfo's
 * base64 SPKI, a bundle streamed in) opens with the CLI's reader (`ggzy decrypt --check`, `ggzy
 * open`: Node's backend), and one sealed by `ggzy seal` (the file path on worker threads) opens the
 * way the worker opens (its key import from the PKCS#12 file, the portable reader over a Blob's
 * stream, the bundle read back). Plus the self-test's bundle check against the bundle reader.
 */
import { createKeyPairAndCsr, fromPkcs12, issueCertificate, openEnvelope, sealEnvelope, sm2PrivateKeyFromPkcs8, SUITE_RSA_AES, SUITE_SM2_SM4, toPkcs12, type EnvelopePrivateKey, type EnvelopeSuiteId } from '@ggzy/crypto';
import { testPlatformCa, testPlatformSm2Ca } from '@ggzy/api/testing';
import { createBidBundle, readBidBundle, type BidBundleFile } from '@ggzy/domain/bid';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleCollector } from './bundle-check';
import { checkEnvelope } from './decrypt-check';
import { openFile, sealFile } from './seal';

const PASSWORD = 'cross-open-pass-1';
const SCHEDULE = { version: 1 as const, priceFen: 1_234_567_89, durationDays: 180, quality: '优良', bondReference: 'BH-X' };
const SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Files with ZIP local-header signatures inside (as stored .docx/.xlsx have), some split across chunk boundaries. */
function contents(): Array<{ part: BidBundleFile['part']; name: string; bytes: Uint8Array }> {
  const docx = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.concat([SIGNATURE, randomBytes(97 + i)])));
  return [
    { part: 'commercial', name: '商务文件.docx', bytes: new Uint8Array(docx) },
    { part: 'technical', name: '技术方案.pdf', bytes: new Uint8Array(randomBytes(150_001)) },
    { part: 'price', name: '报价清单.xlsx', bytes: new Uint8Array(Buffer.concat([randomBytes(4093), SIGNATURE, randomBytes(5000)])) },
  ];
}

function bundleOf(files = contents()) {
  return createBidBundle({
    openingSchedule: SCHEDULE,
    files: files.map((f) => ({ part: f.part, name: f.name, size: f.bytes.length, stream: (async function* () { yield f.bytes; })() })),
  });
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of source) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

const pemToDer = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

/** The seal worker's key import (seal.worker.ts envelopeKeyOf): SM2 first, else a non-extractable RSA-OAEP key. */
async function workerKeyOf(p12: Uint8Array, password: string): Promise<EnvelopePrivateKey> {
  const der = pemToDer(fromPkcs12(p12, password).privateKeyPem);
  try {
    return sm2PrivateKeyFromPkcs8(der);
  } catch {
    return crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  }
}

describe.each<[string, EnvelopeSuiteId, 'rsa' | 'sm2']>([
  ['RSA', SUITE_RSA_AES, 'rsa'],
  ['SM2 (GM/T)', SUITE_SM2_SM4, 'sm2'],
])('cross-opening, %s suite', (_name, suite, algorithm) => {
  let dir: string;
  let p12: Uint8Array;
  let certificatePem: string;
  let spki: string;
  const at = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-cross-'));
    const ca = algorithm === 'sm2' ? await testPlatformSm2Ca() : await testPlatformCa();
    const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject: { commonName: '交叉测试有限公司', organisation: '交叉测试有限公司', creditCode: '91990100MA00000X1Y' }, algorithm });
    certificatePem = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: 30 }).certificatePem;
    p12 = toPkcs12({ certificatePem, privateKeyPem, password: PASSWORD, chainPems: [ca.certificatePem] });
    await writeFile(at('key.p12'), p12);
    await writeFile(at('cert.pem'), certificatePem);
    spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }, 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sealed by the browser code path, opens with the CLI reader (decrypt --check and open)', async () => {
    const files = contents();
    const bundle = bundleOf(files);
    const plaintext = await collect(bundleOf(files).bytes);
    // As the worker calls it: portable backend, recipients as sealingInfo gives them.
    const sealed = await sealEnvelope({
      plaintext: bundle.bytes,
      recipients: [{ role: 'bidder', publicKey: new Uint8Array(Buffer.from(spki, 'base64')) }],
      metadata: { bidder: '91990100MA00000X1Y', section: 'X-01' },
      chunkSize: 4096,
      suite,
    });
    const envelope = await collect(sealed.bytes);
    const summary = await sealed.summary;
    await writeFile(at('browser.ggzy'), envelope);

    const outcome = await checkEnvelope({ envelope: () => [envelope] as unknown as AsyncIterable<Uint8Array>, p12, password: PASSWORD });
    expect(outcome).toMatchObject({ passed: true, envelope: { suite, sha256: summary.ciphertextSha256, bytes: envelope.length }, bid: { plaintextBytes: plaintext.length, files: 3 } });
    await openFile({ input: at('browser.ggzy'), output: at('browser.zip'), p12: at('key.p12'), password: PASSWORD });
    expect((await readFile(at('browser.zip'))).equals(plaintext)).toBe(true);
  });

  it('sealed by ggzy seal, opens the way the browser worker opens', async () => {
    const plaintext = await collect(bundleOf().bytes);
    await writeFile(at('bundle.zip'), plaintext);
    const summary = await sealFile({ input: at('bundle.zip'), output: at('cli.ggzy'), to: [at('cert.pem')], metadata: { section: 'X-01' } });
    const envelope = await readFile(at('cli.ggzy'));
    expect(summary.ciphertextSha256).toBeTruthy();

    const privateKey = await workerKeyOf(p12, PASSWORD);
    const opened = await collect(openEnvelope({ envelope: new Blob([new Uint8Array(envelope)]).stream(), key: { privateKey } }));
    expect(opened.equals(plaintext)).toBe(true);
    const reader = await readBidBundle(new Uint8Array(opened));
    expect(reader.openingSchedule).toEqual(SCHEDULE);
    expect(reader.entries.map((e) => e.path)).toEqual(['commercial/商务文件.docx', 'technical/技术方案.pdf', 'price/报价清单.xlsx']);
    // And the CLI's self-test agrees.
    expect(await checkEnvelope({ envelope: () => [envelope] as unknown as AsyncIterable<Uint8Array>, p12, password: PASSWORD })).toMatchObject({ passed: true, bid: { files: 3 } });
  });
});

describe('the self-test bundle check (kept head, tail and header windows)', () => {
  it('reads what the bundle reader reads, whatever the piece sizes, signatures split across pieces', async () => {
    const files = contents();
    const bytes = await collect(bundleOf(files).bytes);
    const expected = await readBidBundle(new Uint8Array(bytes));
    for (const sizes of [[1], [3], [7, 1, 2], [4096], [65_536, 13]]) {
      const collector = new BundleCollector();
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length]!;
        collector.add(new Uint8Array(bytes.subarray(at, at + n)));
        at += n;
      }
      const read = await collector.finish();
      expect(read.openingSchedule).toEqual(expected.openingSchedule);
      expect(read.entries).toEqual(expected.entries);
    }
  });

  it('refuses a plaintext that is not a bundle, and a bundle whose end was cut', async () => {
    const notBundle = new BundleCollector();
    notBundle.add(new TextEncoder().encode('just a PDF %PDF-1.7'));
    await expect(notBundle.finish()).rejects.toMatchObject({ reason: 'malformed-bundle' });
    const bytes = await collect(bundleOf().bytes);
    const cut = new BundleCollector();
    cut.add(new Uint8Array(bytes.subarray(0, bytes.length - 10)));
    await expect(cut.finish()).rejects.toMatchObject({ name: 'BidBundleError' });
  });
});
