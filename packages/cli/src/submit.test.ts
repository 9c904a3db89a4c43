import { createKeyPairAndCsr, createPlatformCa, issueCertificate, sealEnvelope, signMessage, subjectPublicKeyInfoOf, verifyMessage } from '@ggzy/crypto';
import { describe, expect, it } from 'vitest';
import { envelopeSize } from './seal-section';
import { buildSubmitMessage, buildWithdrawMessage, newNonce, SUBMIT_CONTEXT, WITHDRAW_CONTEXT } from './submit';

const fields = {
  sectionId: '9b2d6c1e-5f7a-4e0b-8d3c-2a1f0e9d8c7b',
  organisationId: '0d4e2f6a-8b1c-4d3e-9f5a-7b6c5d4e3f2a',
  uploadId: 'c0ffee0123456789',
  ciphertextSha256: '0f'.repeat(32),
  envelopeBytes: 4_194_901,
};

describe('signed submit and withdraw messages', () => {
  it('is the RFC 8785 canonical JSON of the contract’s fields, byte for byte', () => {
    expect(buildSubmitMessage(fields)).toBe(
      `{"ciphertextSha256":"${'0f'.repeat(32)}","envelopeBytes":4194901,"organisationId":"0d4e2f6a-8b1c-4d3e-9f5a-7b6c5d4e3f2a",` +
        `"sectionId":"9b2d6c1e-5f7a-4e0b-8d3c-2a1f0e9d8c7b","type":"ggzy-bid-submit/v1","uploadId":"c0ffee0123456789"}`,
    );
    expect(buildWithdrawMessage({ sectionId: 's', organisationId: 'o', nonce: 'AAAAAAAAAAAAAAAAAAAAAAAA' })).toBe(
      '{"nonce":"AAAAAAAAAAAAAAAAAAAAAAAA","organisationId":"o","sectionId":"s","type":"ggzy-bid-withdraw/v1"}',
    );
  });

  it('refuses fields that are not what the contract says', () => {
    expect(() => buildSubmitMessage({ ...fields, ciphertextSha256: 'AB'.repeat(32) })).toThrow(/64 位小写十六进制/);
    expect(() => buildSubmitMessage({ ...fields, envelopeBytes: 1.5 })).toThrow();
    expect(() => buildWithdrawMessage({ sectionId: 's', organisationId: 'o', nonce: 'short' })).toThrow();
    // A fresh, unguessable nonce each time.
    expect(newNonce()).not.toBe(newNonce());
    expect(Buffer.from(newNonce(), 'base64')).toHaveLength(18);
  });

  it('is signed under its own context, so a submit signature is not a withdrawal’s', async () => {
    const ca = await createPlatformCa({ commonName: '测试 CA', organisation: '测试', validityYears: 1, modulusLength: 2048 });
    const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject: { commonName: '示例建工', organisation: '示例建工', creditCode: '914403001922038216' } });
    const { certificatePem } = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: 30 });
    const message = new TextEncoder().encode(buildSubmitMessage(fields));
    const signature = signMessage(privateKeyPem, SUBMIT_CONTEXT, message);
    expect(verifyMessage(certificatePem, SUBMIT_CONTEXT, message, signature)).toBe(true);
    expect(verifyMessage(certificatePem, WITHDRAW_CONTEXT, message, signature)).toBe(false);

    // While the key is at hand: the size check before sealing predicts the envelope exactly.
    for (const [length, chunkSize] of [[0, 16], [100, 16], [4096, 1024], [4096 - 32, 1024], [70_000, 65_536]] as const) {
      const sealed = await sealEnvelope({ plaintext: [new Uint8Array(length)], recipients: [{ role: 'bidder', publicKey: subjectPublicKeyInfoOf(certificatePem) }], chunkSize });
      let total = 0;
      for await (const part of sealed.bytes) total += part.length;
      expect(envelopeSize(sealed.headerBytes.length, length, chunkSize)).toBe(total);
    }
  });
});
