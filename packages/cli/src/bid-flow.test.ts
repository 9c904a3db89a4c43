/**
 * The whole bidder flow with the real `ggzy` binary against the real API server, started as its own
 * process (apps/api/src/main.ts on an embedded database in a temporary folder): enrol → seal for a
 * section (bundling on the fly) → upload, interrupted and resumed → submit → verify-receipt, then a
 * tampered receipt is refused. Nothing is mocked.
 */
import { creditCodeCheckCharacter } from '@ggzy/domain';
import { readBidBundle } from '@ggzy/domain/bid';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptSigningBytes } from './receipt';
import { openSession } from './session';

const BIN = process.env.GGZY_TEST_CLI ?? fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));
const API_MAIN = fileURLToPath(new URL('../../../apps/api/src/main.ts', import.meta.url));
const PASSWORD = 'Ggzy@2026';
const P12_PASSWORD = 'bid-key-pass-1';
// The platform's receipt key is fixed here so that the test can play a platform that signs a receipt
// its log does not back.
const RECEIPT_SEED = new Uint8Array(32).fill(9);
// bidder1 of the demo data (packages/api/src/seed/demo.ts).
const CREDIT_CODE = `91990100MA0000061${creditCodeCheckCharacter('91990100MA0000061')}`;

/** Starts the API server as a separate process and resolves with its address once it listens. */
async function startApi(dataDir: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', API_MAIN], {
    env: { ...process.env, DATA_DIR: dataDir, RECEIPT_KEY: Buffer.from(RECEIPT_SEED).toString('base64'), API_PORT: '0', SEED_DEMO: 'true', SEQUENCER_INTERVAL_MS: '100', LOG_LEVEL: 'info', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API exited (${code}): ${stderr.join('')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === 'API listening' && record.url) resolve(record.url);
      } catch {
        // not a log line
      }
    });
  });
  return { url, process: child };
}

describe('ggzy: enrol, seal, upload (resumed), submit, verify-receipt against a running API', () => {
  let dir: string;
  let api: { url: string; process: ChildProcess };
  let sectionId: string;
  const at = (name: string) => join(dir, name);
  const env = { GGZY_PASSWORD: PASSWORD, GGZY_P12_PASSWORD: P12_PASSWORD };
  const ggzy = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 2 ** 24 });
  const online = () => ['--api', api.url, '--user', 'bidder1'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-flow-'));
    api = await startApi(join(dir, 'data'));
    const session = openSession(api.url);
    const found = (await session.client.portal.search.query({ state: 'announced', pageSize: 50 })).items;
    sectionId = found[0]!.id;
  }, 180_000);

  afterAll(async () => {
    api?.process.kill('SIGTERM');
    if (api) await new Promise((resolve) => api.process.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a bid from key generation to a verified receipt', async () => {

    const enrolled = await ggzy(['enrol', ...online(), '--p12', at('bidder.p12'), '--cert', at('bidder.pem'), '--credit-code', CREDIT_CODE]);
    expect(enrolled.stdout).toMatch(/✓ 证书已签发并保存/);

    const schedule = { version: 1, priceFen: 8_765_432_10, durationDays: 300, quality: '合格', bondReference: 'BH-2026-0101' };
    await writeFile(at('schedule.json'), JSON.stringify(schedule));
    await writeFile(at('商务文件.pdf'), randomBytes(512 * 1024));
    await writeFile(at('技术方案.pdf'), randomBytes(2 * 2 ** 20 + 77));
    await writeFile(at('报价清单.xlsx'), randomBytes(40_000));
    const sealed = await ggzy([
      'seal', '--section', sectionId, ...online(), '--p12', at('bidder.p12'), '--out', at('bid.ggzy'),
      '--schedule', at('schedule.json'), '--commercial', at('商务文件.pdf'), '--technical', at('技术方案.pdf'), '--price', at('报价清单.xlsx'),
    ]);
    expect(sealed.stdout).toMatch(/✓ 已密封 \/ sealed: \d+ → \d+ bytes/);

    // The sealed bid opens with the bidder's own key into the bundle that was meant.
    await ggzy(['open', '--in', at('bid.ggzy'), '--out', at('opened.zip'), '--p12', at('bidder.p12')]);
    const bundle = await readBidBundle(new Uint8Array(await readFile(at('opened.zip'))));
    expect(bundle.openingSchedule).toEqual(schedule);
    expect(bundle.entries.map((e) => e.path)).toEqual(['commercial/商务文件.pdf', 'technical/技术方案.pdf', 'price/报价清单.xlsx']);

    // Upload in small requests and kill the process after the first one has been accepted…
    const first = spawn(process.execPath, [BIN, 'upload', at('bid.ggzy'), '--section', sectionId, ...online(), '--chunk-size', '65536'], { env: { ...process.env, ...env } });
    await new Promise<void>((resolve, reject) => {
      first.once('exit', (code) => reject(new Error(`the upload ended by itself (${code}) before it could be interrupted`)));
      createInterface({ input: first.stderr! }).on('line', (line) => {
        if (/MiB \/ [\d.]+ MiB/.test(line)) {
          first.removeAllListeners('exit');
          first.once('exit', () => resolve());
          first.kill('SIGKILL');
        }
      });
    });
    const interrupted = JSON.parse(await readFile(at('bid.ggzy.upload.json'), 'utf8'));
    expect(interrupted.completed).toBe(false);

    // …and run it again: it continues from the server's offset, not from zero.
    const resumed = await ggzy(['upload', at('bid.ggzy'), '--section', sectionId, ...online(), '--chunk-size', '65536']);
    const offset = Number(/resuming at byte (\d+) of (\d+)/.exec(resumed.stderr)?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(interrupted.envelopeBytes);
    expect(resumed.stdout).toContain(`✓ 上传完成 / uploaded: upload id ${interrupted.uploadId}`);

    const submitted = await ggzy(['submit', ...online(), '--section', sectionId, '--upload', at('bid.ggzy.upload.json'), '--p12', at('bidder.p12'), '--out', at('receipt.json')]);
    expect(submitted.stdout).toMatch(/✓ 已递交 \/ submitted/);
    const receipt = JSON.parse(await readFile(at('receipt.json'), 'utf8'));
    expect(receipt.body).toMatchObject({ kind: 'submit', sectionId, ciphertextSha256: interrupted.ciphertextSha256, envelopeBytes: interrupted.envelopeBytes });

    // Online verification as the bidder (signature and inclusion), and as the supervisor (the entry too).
    const verified = await ggzy(['verify-receipt', at('receipt.json'), '--api', api.url]);
    expect(verified.stdout).toMatch(/✓ 回执签名有效[\s\S]*✓ 追溯日志第 \d+ 条记录已包含在签名检查点/);
    // The receipt written by `ggzy submit` is a witness: it carries its checkpoint, which the log extends.
    expect(receipt.inclusion).toMatchObject({ checkpoint: expect.stringContaining('\n'), leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verified.stdout).toMatch(/✓ 当前日志（规模 \d+）延续回执中的检查点（规模 \d+）/);
    const audited = await ggzy(['verify-receipt', at('receipt.json'), '--api', api.url, '--user', 'supervisor']);
    expect(audited.stdout).toContain('✓ 该记录即本次递交 / the entry is this bid.submit');
    // The bidder itself can compare its own entry too (bidding.traceEntry), without the supervisor.
    const own = await ggzy(['verify-receipt', at('receipt.json'), ...online()]);
    expect(own.stdout).toContain('✓ 该记录即本次递交 / the entry is this bid.submit');

    receipt.body.envelopeBytes += 1;
    await writeFile(at('tampered.json'), JSON.stringify(receipt));
    await expect(ggzy(['verify-receipt', at('tampered.json'), '--api', api.url])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/✗ 回执签名无效/) });

    // Validly signed receipts the log does not back: pointing at another entry, or past the log's end.
    const forge = async (name: string, change: object) => {
      const body = { ...JSON.parse(await readFile(at('receipt.json'), 'utf8')).body, ...change };
      const signature = Buffer.from(ed25519.sign(receiptSigningBytes(body), RECEIPT_SEED)).toString('base64');
      await writeFile(at(name), JSON.stringify({ body, signature, keyId: receipt.keyId }));
      return at(name);
    };
    await expect(ggzy(['verify-receipt', await forge('elsewhere.json', { traceIndex: 0 }), '--api', api.url, '--user', 'supervisor'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ 第 0 条记录不是该回执所述的递交 .*action [\w.]+, expected bid\.submit; entry id/),
    });
    await expect(ggzy(['verify-receipt', await forge('missing.json', { traceIndex: 10_000_000 }), '--api', api.url])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ 追溯日志中找不到第 10000000 条记录/),
    });

    // A withdrawal is signed and receipted the same way.
    const withdrawn = await ggzy(['withdraw', ...online(), '--section', sectionId, '--p12', at('bidder.p12'), '--out', at('withdrawal.json')]);
    expect(withdrawn.stdout).toMatch(/✓ 已撤回 \/ withdrawn/);
    expect((await ggzy(['verify-receipt', at('withdrawal.json'), '--api', api.url, '--user', 'supervisor'])).stdout).toContain('the entry is this bid.withdraw');
  }, 300_000);

  it('refuses clearly, writing nothing, when the password is wrong or the receipt file exists', async () => {
    await expect(ggzy(['enrol', '--api', api.url, '--user', 'bidder2', '--password', 'wrong-password', '--p12', at('x.p12'), '--credit-code', CREDIT_CODE])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/✗ .*(用户名或密码|password)/),
    });
    expect(existsSync(at('x.p12'))).toBe(false);
    await writeFile(at('exists.json'), '{}');
    await expect(ggzy(['withdraw', ...online(), '--section', sectionId, '--p12', at('bidder.p12'), '--out', at('exists.json')])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/文件已存在，不会覆盖/),
    });
  }, 120_000);
});
