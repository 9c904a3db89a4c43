import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeError, type EnvelopeErrorCode } from './errors';
import { inspectEnvelope } from './inspect';
import { sealEnvelope } from './seal';
import { concat, generateRsaKeyPair, inPieces, sealedBytes, splitEnvelope } from './test-support';

let bidder: CryptoKeyPair;
beforeAll(async () => {
  bidder = await generateRsaKeyPair();
});

async function seal(plaintext: Uint8Array, chunkSize: number) {
  const sealed = await sealEnvelope({ plaintext: [plaintext], recipients: [{ role: 'bidder', publicKey: bidder.publicKey }], chunkSize });
  const envelope = await sealedBytes(sealed);
  return { envelope, summary: await sealed.summary };
}

async function codeOf(envelope: Uint8Array): Promise<EnvelopeErrorCode | 'ok'> {
  try {
    await inspectEnvelope([envelope]);
    return 'ok';
  } catch (e) {
    if (e instanceof EnvelopeError) return e.code;
    throw e;
  }
}

const fixtures = fc.record({ plaintext: fc.uint8Array({ maxLength: 300 }), chunkSize: fc.constantFrom(16, 64, 1024) });

describe('checking an uploaded envelope without the key (for the submit)', () => {
  it('reports the digest, commitment and sizes the writer computed', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }), async ({ plaintext, chunkSize }, pieces) => {
        const { envelope, summary } = await seal(plaintext, chunkSize);
        const inspection = await inspectEnvelope(inPieces(envelope, pieces));
        expect(inspection).toMatchObject({
          ciphertextSha256: summary.ciphertextSha256,
          commitment: summary.commitment,
          headerSha256: summary.headerSha256,
          envelopeBytes: summary.envelopeBytes,
          chunks: summary.chunks,
          plaintextBytes: plaintext.length,
        });
      }),
      { numRuns: 50 },
    );
  });

  it('refuses an incomplete upload, appended bytes, a missing final chunk and files that are not envelopes', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 50 }), async ({ plaintext, chunkSize }, where, extra) => {
        const { envelope } = await seal(plaintext, chunkSize);
        expect(await codeOf(envelope.slice(0, Math.floor(where * envelope.length)))).toBe('truncated');
        expect(await codeOf(concat([envelope, extra]))).toBe('trailing-data');
        const { header, records, trailer } = splitEnvelope(envelope);
        if (records.length > 1) expect(['tampered', 'truncated']).toContain(await codeOf(concat([header, ...records.slice(0, -1), trailer])));
      }),
      { numRuns: 80 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2000 }).filter((b) => b[0] !== 0x47), async (notAnEnvelope) => {
        expect(await codeOf(notAnEnvelope)).toBe('malformed-header');
      }),
      { numRuns: 50 },
    );
    expect(await codeOf(new TextEncoder().encode('%PDF-1.7 an unencrypted bid'))).toBe('malformed-header');
  });
});
