import { createKeyPairAndCsr, createPlatformCa, issueCertificate, toPkcs12 } from '@ggzy/crypto';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = process.env.GGZY_TEST_CLI ?? fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) => promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });

describe('ggzy seal / ggzy open', () => {
  let dir: string;
  let bid: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-seal-'));
    // A bidder enrols with the platform CA and keeps its key in a password-protected PKCS#12 file.
    const ca = await createPlatformCa({ commonName: '示例市公共资源交易平台 CA', organisation: '示例市公共资源交易中心', validityYears: 5, modulusLength: 2048 });
    const enrolment = await createKeyPairAndCsr({ subject: { commonName: '王强', organisation: '示例建工集团有限公司', creditCode: '914403001922038216' } });
    const issued = issueCertificate({ ca, csrPem: enrolment.csrPem, usage: 'bidder', validityDays: 365 });
    await writeFile(join(dir, 'bidder.pem'), issued.certificatePem);
    await writeFile(join(dir, 'bidder.p12'), toPkcs12({ certificatePem: issued.certificatePem, privateKeyPem: enrolment.privateKeyPem, password: 'correct horse 9', chainPems: [ca.certificatePem] }));
    // A bid of several 4 MiB chunks.
    bid = randomBytes(9 * 2 ** 20 + 123);
    await writeFile(join(dir, 'bid.pdf'), bid);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seals to the bidder’s certificate and opens with its PKCS#12 file, byte for byte', async () => {
    const sealed = await run(['seal', '--in', join(dir, 'bid.pdf'), '--out', join(dir, 'bid.ggzy'), '--to', join(dir, 'bidder.pem'), '--section', 'S-1']);
    expect(sealed.stdout).toMatch(/✓ 已密封 \/ sealed: 9437307 → \d+ bytes, 3 chunk\(s\)/);
    const envelope = await readFile(join(dir, 'bid.ggzy'));
    // Nothing of the bid in clear: no 64-byte window of it appears in the envelope.
    expect(envelope.includes(bid.subarray(4096, 4160))).toBe(false);

    const opened = await run(['open', '--in', join(dir, 'bid.ggzy'), '--out', join(dir, 'opened.pdf'), '--p12', join(dir, 'bidder.p12')], { GGZY_P12_PASSWORD: 'correct horse 9' });
    expect(opened.stdout).toContain('opened and verified: 9437307 bytes');
    expect((await readFile(join(dir, 'opened.pdf'))).equals(bid)).toBe(true);
  });

  it('refuses a wrong password and a damaged envelope, leaving no output', async () => {
    await run(['seal', '--in', join(dir, 'bid.pdf'), '--out', join(dir, 'second.ggzy'), '--to', join(dir, 'bidder.pem')]);
    await expect(
      run(['open', '--in', join(dir, 'second.ggzy'), '--out', join(dir, 'x.pdf'), '--p12', join(dir, 'bidder.p12')], { GGZY_P12_PASSWORD: 'wrong password' }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/wrong-password/) });

    const envelope = await readFile(join(dir, 'second.ggzy'));
    envelope[envelope.length - 5_000_000]! ^= 0x01;
    await writeFile(join(dir, 'damaged.ggzy'), envelope);
    await expect(
      run(['open', '--in', join(dir, 'damaged.ggzy'), '--out', join(dir, 'y.pdf'), '--p12', join(dir, 'bidder.p12')], { GGZY_P12_PASSWORD: 'correct horse 9' }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/\[tampered\]/) });
    expect(existsSync(join(dir, 'y.pdf'))).toBe(false);
    expect(existsSync(join(dir, 'y.pdf.partial'))).toBe(false);
  });
});
