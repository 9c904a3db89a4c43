/**
 * Stage costs of the opening's decryption without the database, for finding where the CPU goes
 * (not part of `npm run bench`): `tsx bench/decrypt-micro.ts N prepare` seals N bids of 20 MiB
 * into /tmp/ggzy-decrypt-micro; `tsx bench/decrypt-micro.ts N [stage]` times the stages on them.
 */
import { readEnvelopeHeader, sealEnvelope, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createBidBundle } from '@ggzy/domain';
import { createDiskStore } from '@ggzy/storage';
import { createDecipheriv, createHash, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBidOffThread } from '../packages/api/src/opening/decrypt-pool';

const N = Number(process.argv[2] ?? 20);
const stage = process.argv[3] ?? 'all';
const dir = '/tmp/ggzy-decrypt-micro/store';
const jobsFile = '/tmp/ggzy-decrypt-micro/jobs.json';
const store = createDiskStore({ dir });
type Job = { key: string; contentKey: Uint8Array; headerSha256: string };

if (stage === 'prepare') {
  await rm(dir, { recursive: true, force: true });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const pk = await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  const jobs: Job[] = [];
  for (let i = 0; i < N; i++) {
    const content = randomBytes(20 * 2 ** 20 - 4096);
    const bundle = createBidBundle({ openingSchedule: { version: 1, priceFen: 100_00 + i, durationDays: 365, quality: '合格', bondReference: `BH-${i}` }, files: [{ part: 'technical', name: '技术标.pdf', size: content.length, stream: (async function* () { yield content; })() }] });
    const sealed = await sealEnvelope({ plaintext: bundle.bytes, recipients: [{ role: 'bidder', publicKey: new Uint8Array(spki) }], backend: nodeBackend });
    const key = `bids/${i}`;
    await store.put(key, sealed.bytes);
    const { headerSha256 } = await readEnvelopeHeader((await store.get(key)) as AsyncIterable<Uint8Array>);
    jobs.push({ key, contentKey: await unwrapEnvelopeContentKey(sealed.header, pk as CryptoKey), headerSha256 });
  }
  await writeFile(jobsFile, JSON.stringify(jobs.map((j) => ({ ...j, contentKey: Buffer.from(j.contentKey).toString('hex') }))));
  process.exit(0);
}

const jobs: Job[] = JSON.parse(await readFile(jobsFile, 'utf8')).map((j: Job & { contentKey: string }) => ({ ...j, contentKey: new Uint8Array(Buffer.from(j.contentKey, 'hex')) }));
await rm(join(dir, 'opened'), { recursive: true, force: true });
await rm(join(dir, '.meta', 'opened'), { recursive: true, force: true });
let round = 0;
const runAll = async (list: Job[]) => {
  round++;
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < list.length) {
        const j = list[next++]!;
        await openBidOffThread(store, { envelopeKey: j.key, plaintextKey: `opened/${round}/${j.key}`, contentKey: j.contentKey.slice(), headerSha256: j.headerSha256 });
      }
    }),
  );
};
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const sys = () => process.cpuUsage().system / 1000;
async function time(name: string, fn: () => Promise<void>) {
  if (stage !== 'all' && !name.startsWith(stage)) return;
  const c0 = cpu(), s0 = sys(), t0 = performance.now();
  await fn();
  console.log(`${name.padEnd(28)} wall ${((performance.now() - t0) / 1000).toFixed(2)} s  cpu/bid ${((cpu() - c0) / jobs.length).toFixed(1)} ms (sys ${((sys() - s0) / jobs.length).toFixed(1)})`);
}
await time('read only', async () => { for (const j of jobs) for await (const _ of (await store.get(j.key)) as AsyncIterable<Uint8Array>); });
await time('read+gcm (baseline)', async () => {
  for (const j of jobs) {
    const d = createDecipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
    for await (const c of createReadStream(join(dir, j.key), { highWaterMark: 4 * 2 ** 20 }) as AsyncIterable<Buffer>) for (let o = 0; o < c.length; o += 65536) d.update(c.subarray(o, o + 65536));
  }
});
await time('read+sha256', async () => { for (const j of jobs) { const h = createHash('sha256'); for await (const c of (await store.get(j.key)) as AsyncIterable<Uint8Array>) h.update(c); h.digest(); } });
await runAll(jobs.slice(0, 2)); // starts the two workers (tsx compiling their code is not measured)
await time('worker open+store, 2', () => runAll(jobs));
process.exit(0);
