/**
 * Seals a bid in a Web Worker (DESIGN.md §4: sealing happens on the bidder's side): the bid bundle
 * (ZIP of the opening schedule and the bidder's files) streams from the chosen files through
 * sealEnvelope into a file of the Origin Private File System. Nothing is held whole in memory, and
 * the envelope survives a reload or a closed laptop, so the upload can resume from it later.
 *
 * One request per worker: the page starts a worker, sends one message, and terminates it after
 * the answer, so no key or plaintext lingers in a long-lived thread.
 */
import { fromPkcs12, openEnvelope, portableBackend, readEnvelopeHeader, sealEnvelope, sm2PrivateKeyFromPkcs8, subjectPublicKeyInfoOf, SUPPORTED_SUITES, unwrapEnvelopeContentKey, type EnvelopePrivateKey, type EnvelopeSuiteId } from '@ggzy/crypto';
import { createBidBundle, openBidBundle } from '@ggzy/domain/bid';
import { base64ToBytes, hexOf, opfsDirectory, pemToDer } from './bytes';
import { failureOf, type OpenRequest, type SealReply, type SealRequest, type UnwrapRequest } from './protocol';

// This module runs as a dedicated worker; the app's TypeScript lib is the DOM's, whose postMessage
// takes the same arguments here.
const post = (reply: SealReply) => self.postMessage(reply);

/** Progress at most every 80 ms: enough for a smooth bar, without flooding the page with renders. */
const PROGRESS_INTERVAL_MS = 80;

const tooLarge = (max: number) => Object.assign(new Error(`the envelope would exceed ${max} bytes`), { name: 'SizeError', code: 'too-large' });

async function seal(request: SealRequest): Promise<void> {
  const bundle = createBidBundle({
    openingSchedule: request.schedule,
    files: request.files.map((f) => ({ part: f.part, name: f.name, size: f.file.size, stream: f.file.stream() })),
  });
  const totalBytes = bundle.size;
  // The section's suite: an envelope library that cannot produce it must say so, not seal another.
  if (!SUPPORTED_SUITES.includes(request.suite)) {
    throw Object.assign(new Error(`unsupported suite ${request.suite}`), { name: 'EnvelopeError', code: 'unsupported-suite' });
  }
  // The envelope is larger than the bundle: refuse at once rather than after minutes of sealing.
  if (totalBytes > request.maxEnvelopeBytes) throw tooLarge(request.maxEnvelopeBytes);
  let lastPost = 0;
  const sealed = await sealEnvelope({
    plaintext: bundle.bytes,
    recipients: request.recipients.map((r) => ({ role: r.role, publicKey: base64ToBytes(r.publicKeySpki) })),
    metadata: request.metadata,
    chunkSize: request.chunkSize,
    suite: request.suite as EnvelopeSuiteId,
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_INTERVAL_MS && p.plaintextBytes < totalBytes) return;
      lastPost = now;
      post({ type: 'progress', plaintextBytes: p.plaintextBytes, totalBytes, envelopeBytes: p.envelopeBytes });
    },
  });

  // The synchronous access handle exists only in workers and is the fast way to write OPFS files.
  const directory = await opfsDirectory();
  const handle = await directory.getFileHandle(request.opfsName, { create: true });
  const access = await handle.createSyncAccessHandle();
  try {
    access.truncate(0);
    let at = 0;
    for await (const piece of sealed.bytes) {
      if (at + piece.length > request.maxEnvelopeBytes) throw tooLarge(request.maxEnvelopeBytes);
      access.write(piece, { at });
      at += piece.length;
    }
    access.flush();
  } catch (error) {
    access.close();
    // Nothing half-written may be mistaken for a sealed bid later.
    await directory.removeEntry(request.opfsName).catch(() => {});
    throw error;
  }
  access.close();
  const summary = await sealed.summary;
  post({ type: 'progress', plaintextBytes: totalBytes, totalBytes, envelopeBytes: summary.envelopeBytes });
  post({
    type: 'done',
    summary: {
      opfsName: request.opfsName,
      suite: sealed.header.suite,
      ciphertextSha256: summary.ciphertextSha256,
      envelopeBytes: summary.envelopeBytes,
      plaintextBytes: summary.plaintextBytes,
      chunks: summary.chunks,
    },
  });
}

/** The recipient key inside a PKCS#12 file, for either suite: SM2 (GM/T) or RSA-OAEP; and what identifies its certificate. */
async function envelopeKeyOf(p12: Uint8Array, password: string): Promise<{ privateKey: EnvelopePrivateKey; keyId: string | null }> {
  const contents = fromPkcs12(p12, password);
  const der = pemToDer(contents.privateKeyPem);
  let keyId: string | null = null;
  try {
    keyId = hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(subjectPublicKeyInfoOf(contents.certificatePem)))));
  } catch {
    // A certificate this library cannot read: the envelope reader still tries the key on every stanza.
  }
  let privateKey: EnvelopePrivateKey;
  try {
    privateKey = sm2PrivateKeyFromPkcs8(der);
  } catch {
    privateKey = await crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  }
  return { privateKey, keyId };
}

/**
 * The company's own envelope from the platform, as a stream. The request is a bare GET with the
 * session cookie (same origin): neither the key file nor its password is in it.
 */
async function downloadEnvelope(url: string): Promise<ReadableStream<Uint8Array>> {
  const response = await fetch(url, { method: 'GET', credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; zh?: string; en?: string } } | null;
    throw Object.assign(new Error(body?.error?.en ?? `HTTP ${response.status}`), { name: 'DownloadRefused', code: body?.error?.code ?? 'download-failed', zh: body?.error?.zh, en: body?.error?.en });
  }
  return response.body;
}

/** Hashes the envelope's bytes as the reader pulls them. */
function digesting(source: ReadableStream<Uint8Array>) {
  const digest = portableBackend.sha256();
  let bytes = 0;
  const reader = source.getReader();
  const stream = (async function* () {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        await digest.update(value);
        bytes += value.length;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  })();
  return { stream, result: async () => ({ sha256: hexOf(await digest.digest()), bytes }) };
}

/**
 * Opens an envelope with a PKCS#12 key and reports what came out: the plaintext's SHA-256, the
 * bundle's entries and its opening schedule. The bidder's self-check (解密自检): a bid that cannot
 * be decrypted at the opening is the bidder's loss (电子招标投标办法 art. 31), so it can make sure
 * before uploading, also for an envelope sealed elsewhere (the CLI). The plaintext goes to a
 * scratch file in OPFS, read back in pieces and deleted: a large bid never sits in memory.
 */
async function open(request: OpenRequest): Promise<void> {
  const { privateKey, keyId } = await envelopeKeyOf(request.p12, request.password);
  const directory = await opfsDirectory();
  const envelope = digesting(
    'url' in request.envelope
      ? await downloadEnvelope(request.envelope.url)
      : ('file' in request.envelope ? request.envelope.file : await (await directory.getFileHandle(request.envelope.opfsName)).getFile()).stream(),
  );
  let suite = '';
  const scratchName = `check-${crypto.randomUUID()}.tmp`;
  const scratch = await directory.getFileHandle(scratchName, { create: true });
  try {
    const access = await scratch.createSyncAccessHandle();
    const digest = portableBackend.sha256();
    let plaintextBytes = 0;
    try {
      for await (const part of openEnvelope({ envelope: envelope.stream, key: { privateKey }, onHeader: (info) => (suite = info.header.suite) })) {
        await digest.update(part);
        access.write(part, { at: plaintextBytes });
        plaintextBytes += part.length;
      }
      access.flush();
    } finally {
      access.close();
    }
    const plaintext = await scratch.getFile();
    // A plaintext that is not a bid bundle (a single file sealed with `ggzy seal`) lists no entries.
    const bundle = await openBidBundle({
      size: plaintext.size,
      read: async (offset, length) => new Uint8Array(await plaintext.slice(offset, offset + length).arrayBuffer()),
    }).catch((error: unknown) => {
      // The opening reads the schedule out of the bundle: for the self-test a plaintext that is not one fails.
      if (request.requireBundle) throw error;
      return null;
    });
    const sealed = await envelope.result();
    post({
      type: 'opened',
      plaintextBytes,
      sha256: hexOf(await digest.digest()),
      entries: bundle ? bundle.entries.map((e) => e.path) : [],
      schedule: bundle ? bundle.openingSchedule : null,
      envelopeSha256: sealed.sha256,
      envelopeBytes: sealed.bytes,
      suite,
      certificateKeyId: keyId,
    });
  } finally {
    await directory.removeEntry(scratchName).catch(() => {});
  }
}

/**
 * The bidder's part of the decryption at the opening: only the envelope's header is downloaded (the
 * rest of the download is cancelled), the content key is unwrapped with the key file's private key
 * and checked against the key commitment, and only that key goes back to the page.
 */
async function unwrap(request: UnwrapRequest): Promise<void> {
  const { privateKey, keyId } = await envelopeKeyOf(request.p12, request.password);
  const body = await downloadEnvelope(request.url);
  let header: Awaited<ReturnType<typeof readEnvelopeHeader>>['header'];
  try {
    ({ header } = await readEnvelopeHeader(body));
  } finally {
    await body.cancel().catch(() => {});
  }
  const contentKey = await unwrapEnvelopeContentKey(header, privateKey);
  post({ type: 'unwrapped', contentKey, suite: header.suite, certificateKeyId: keyId });
}

self.onmessage = (event: MessageEvent<SealRequest | OpenRequest | UnwrapRequest>) => {
  const request = event.data;
  const run = request.type === 'seal' ? seal(request) : request.type === 'unwrap' ? unwrap(request) : open(request);
  run.catch((error: unknown) => post({ type: 'error', failure: failureOf(error) }));
};

export {};
