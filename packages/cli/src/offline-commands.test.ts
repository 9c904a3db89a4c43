/** The commands that need no platform, run as the real `ggzy` binary. */
import { readBidBundle } from '@ggzy/domain/bid';
import { ed25519 } from '@noble/curves/ed25519.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptSigningBytes } from './receipt';

const BIN = fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));
const ggzy = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args]);
const schedule = { version: 1, priceFen: 1_234_500_00, durationDays: 240, quality: '合格', bondReference: 'BH-2026-0007' };

// Each case starts the binary several times (tsx compiles on start): generous on a shared machine.
describe('ggzy bundle and ggzy verify-receipt --key (offline)', { timeout: 120_000 }, () => {
  let dir: string;
  const at = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-offline-'));
    await mkdir(at('a'));
    await mkdir(at('b'));
    await writeFile(at('schedule.json'), JSON.stringify(schedule));
    await writeFile(at('营业执照.pdf'), '%PDF commercial');
    await writeFile(at('a/方案.docx'), 'technical a');
    await writeFile(at('b/方案.docx'), 'technical b');
    await writeFile(at('清单.xlsx'), 'price');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bundles the schedule and the parts', async () => {
    const { stdout } = await ggzy(['bundle', '--schedule', at('schedule.json'), '--commercial', at('营业执照.pdf'), '--technical', at('a/方案.docx'), '--price', at('清单.xlsx'), '--out', at('bid.zip')]);
    expect(stdout).toMatch(/✓ 投标文件包已生成 \/ bid bundle written: .*bid\.zip \(\d+ bytes, 3 file\(s\)\)/);
    const bundle = await readBidBundle(new Uint8Array(await readFile(at('bid.zip'))));
    expect(bundle.openingSchedule).toEqual(schedule);
    expect(bundle.entries.map((e) => e.path)).toEqual(['commercial/营业执照.pdf', 'technical/方案.docx', 'price/清单.xlsx']);
    expect(new TextDecoder().decode(await bundle.read('technical/方案.docx'))).toBe('technical a');
  });

  it('refuses two files of one name in a part, and a bad schedule, writing nothing', async () => {
    await expect(ggzy(['bundle', '--schedule', at('schedule.json'), '--technical', at('a/方案.docx'), '--technical', at('b/方案.docx'), '--out', at('dup.zip')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ 文件“technical\/方案.docx”与“technical\/方案.docx”重名/),
    });
    await writeFile(at('bad-schedule.json'), JSON.stringify({ ...schedule, durationDays: 0 }));
    await expect(ggzy(['bundle', '--schedule', at('bad-schedule.json'), '--price', at('清单.xlsx'), '--out', at('bad.zip')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ 开标一览表（durationDays）：工期应大于 0 天 \/ opening schedule \(durationDays\): the duration must be at least 1 day/),
    });
    // Refused before writing: no bundle, no temporary file.
    expect((await readdir(dir)).filter((f) => f.startsWith('dup.zip') || f.startsWith('bad.zip'))).toEqual([]);
    await expect(ggzy(['bundle', '--schedule', at('schedule.json'), '--price', at('清单.xlsx'), '--out', at('bid.zip')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/文件已存在，不会覆盖/),
    });
  });

  it('verifies a receipt against a pinned key, and refuses a tampered one with exit code 1', async () => {
    const seed = new Uint8Array(32).fill(3);
    const publicKey = ed25519.getPublicKey(seed);
    const key = { keyId: createHash('sha256').update(publicKey).digest('hex'), publicKey: Buffer.from(publicKey).toString('base64') };
    const body = {
      type: 'ggzy-receipt/v1', submissionId: 's-1', kind: 'submit', sectionId: 'sec', sectionCode: 'SL-1', organisationId: 'org', organisationName: '示例建工集团有限公司',
      ciphertextSha256: 'c'.repeat(64), envelopeBytes: 1000, receivedAt: '2026-03-01T08:00:00.000Z', traceEntryId: 9, traceIndex: 8, logOrigin: 'ggzy.local/trace-log',
    };
    await writeFile(at('key.json'), JSON.stringify(key));
    await writeFile(at('receipt.json'), JSON.stringify({ body, signature: Buffer.from(ed25519.sign(receiptSigningBytes(body), seed)).toString('base64'), keyId: key.keyId }));
    const ok = await ggzy(['verify-receipt', at('receipt.json'), '--key', at('key.json')]);
    expect(ok.stdout).toContain('✓ 回执签名有效 / receipt signature valid');

    const tampered = JSON.parse(await readFile(at('receipt.json'), 'utf8'));
    tampered.body.envelopeBytes = 999;
    await writeFile(at('tampered.json'), JSON.stringify(tampered));
    await expect(ggzy(['verify-receipt', at('tampered.json'), '--key', at('key.json')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ 回执签名无效/),
    });
    expect(existsSync(at('tampered.json'))).toBe(true);

    // A key file whose id is not its key's digest is refused before anything else.
    await writeFile(at('odd-key.json'), JSON.stringify({ ...key, keyId: 'ab'.repeat(32) }));
    await expect(ggzy(['verify-receipt', at('receipt.json'), '--key', at('odd-key.json')])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/标识与公钥不符/) });
  });
});
