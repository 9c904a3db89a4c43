/**
 * The draw must run where the portal's verifier and the centre's workspace run: in a browser. The
 * evaluation module is bundled for the browser (a node:* import fails the build) and the worked
 * vector is verified on a worker thread with Buffer, process and require removed.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
const vector = readFileSync(fileURLToPath(new URL('./testdata/draw-vector.json', import.meta.url)), 'utf8');

const SCRIPT = `
import * as draw from ${JSON.stringify(entry)};
globalThis.runInWorker = (text) => {
  const v = draw.verifyDrawRecord(JSON.parse(text));
  return { matches: v.matches, committee: v.committee, secret: draw.generateDrawSecret().length };
};
`;

describe('the expert draw in a browser context', () => {
  it('bundles without node:* modules and verifies the worked vector with only Worker globals', async () => {
    const result = await build({ stdin: { contents: SCRIPT, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' }, bundle: true, platform: 'browser', format: 'iife', write: false, logLevel: 'silent' });
    const harness = `
      const { parentPort, workerData } = require('node:worker_threads');
      const post = (message) => parentPort.postMessage(message);
      delete globalThis.Buffer;
      delete globalThis.process;
      delete globalThis.global;
      delete globalThis.require;
      globalThis.self = globalThis;
      (0, eval)(workerData.bundle);
      const missing = (0, eval)('typeof Buffer + typeof process + typeof require');
      try { post({ missing, result: globalThis.runInWorker(workerData.vector) }); } catch (error) { post({ missing, error: String(error && error.stack || error) }); }
    `;
    const worker = new Worker(harness, { eval: true, workerData: { bundle: result.outputFiles[0]!.text, vector } });
    const answer = await new Promise<{ missing: string; error?: string; result: { matches: boolean; committee: unknown; secret: number } }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer.error).toBeUndefined();
    expect(answer.missing).toBe('undefinedundefinedundefined');
    expect(answer.result).toEqual({
      matches: true,
      committee: [
        { specialty: 'A01', expertIds: ['e15', 'e07', 'e14'] },
        { specialty: 'B02', expertIds: ['e12', 'e08'] },
      ],
      secret: 64,
    });
  });
});
