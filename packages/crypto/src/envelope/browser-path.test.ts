/**
 * The package's main entry must run in a browser Web Worker (DESIGN.md §4: sealing happens in the
 * bidder's browser). Checked by bundling `src/index.ts` for the browser with esbuild (a node:*
 * import fails the build) and running the bundle on a worker thread from which Buffer, process and
 * require have been removed, leaving what a Web Worker has (WebCrypto, TextEncoder, ReadableStream,
 * Blob, atob…): it seals a Blob's stream in both suites there and opens the results.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../index.ts', import.meta.url));
const srcDir = fileURLToPath(new URL('..', import.meta.url));

const WORKER_SCRIPT = `
import * as ggzy from ${JSON.stringify(entry)};
globalThis.runInWorker = async (bid) => {
  const results = {};
  // The RSA suite: an RSA-OAEP key from WebCrypto, as the browser would import the bidder's SPKI.
  const rsa = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
  const rsaSpki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));
  const sm2 = ggzy.generateSm2KeyPair();
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  for (const [suite, spki, privateKey] of [[ggzy.SUITE_RSA_AES, rsaSpki, rsa.privateKey], [ggzy.SUITE_SM2_SM4, sm2.publicKeySpki, sm2.privateKey]]) {
    const recipient = await ggzy.envelopeRecipientFromSpki({ role: 'bidder', spki: toBase64(spki), suite });
    const sealed = await ggzy.sealEnvelope({ plaintext: new Blob([bid]).stream(), recipients: [recipient], suite, chunkSize: 4096 });
    const parts = [];
    for await (const part of sealed.bytes) parts.push(part);
    const summary = await sealed.summary;
    const opened = await ggzy.openEnvelopeToBytes({ envelope: parts, key: { privateKey } });
    results[suite] = { summary, plaintext: Array.from(opened.plaintext) };
  }
  return results;
};
`;

describe('the browser path (Web Worker)', () => {
  it('bundles for the browser without node:* modules, and the sources it pulls in use no Buffer or process', async () => {
    const result = await build({
      stdin: { contents: WORKER_SCRIPT, resolveDir: srcDir, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const ownSources = Object.keys(result.metafile.inputs).filter((p) => p.includes('packages/crypto/src/'));
    expect(ownSources.some((p) => p.endsWith('envelope/seal.ts'))).toBe(true);
    expect(ownSources.some((p) => p.includes('/envelope/node/'))).toBe(false);
    for (const path of ownSources) {
      const code = readFileSync(fileURLToPath(new URL(`../../../../${path}`, import.meta.url)), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code, path).not.toMatch(/\bBuffer\b|\bprocess\.|from 'node:/);
    }
  });

  it('seals a Blob’s stream in both suites inside a context with only Worker globals, and opens it', async () => {
    const result = await build({
      stdin: { contents: WORKER_SCRIPT, resolveDir: srcDir, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    // The worker keeps a handle on its port, then removes every Node global before running the bundle.
    const harness = `
      const { parentPort, workerData } = require('node:worker_threads');
      const post = (message) => parentPort.postMessage(message);
      delete globalThis.Buffer;
      delete globalThis.process;
      delete globalThis.global;
      delete globalThis.require;
      globalThis.self = globalThis; // a Web Worker's global scope is \`self\`
      (0, eval)(workerData.bundle);
      const missing = (0, eval)('typeof Buffer + typeof process + typeof require');
      globalThis.runInWorker(workerData.bid).then((results) => post({ missing, results }), (error) => post({ missing, error: String(error && error.stack || error) }));
    `;
    const bid = new TextEncoder().encode('开标一览表：投标报价 1,234,567.00 元；'.repeat(500));
    const worker = new Worker(harness, { eval: true, workerData: { bundle: result.outputFiles[0]!.text, bid } });
    const answer = await new Promise<{ missing: string; error?: string; results: Record<string, { summary: { plaintextBytes: number; chunks: number }; plaintext: number[] }> }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer.error).toBeUndefined();
    expect(answer.missing).toBe('undefinedundefinedundefined');
    const { results } = answer;
    expect(Object.keys(results).sort()).toEqual(['rsa-oaep-sha256/aes-256-gcm-stream', 'sm2/sm4-ctr-hmac-sm3-stream']);
    for (const { summary, plaintext } of Object.values(results)) {
      expect(summary.plaintextBytes).toBe(bid.length);
      expect(summary.chunks).toBe(Math.ceil((bid.length + 32) / 4096));
      expect(Uint8Array.from(plaintext)).toEqual(bid);
    }
  });
});
