/**
 * Key-file work off the main thread: reading a PKCS#12 file (PBKDF2, 50 000 iterations in
 * node-forge's JavaScript), making a key pair and CSR, writing a PKCS#12 file, and signing. The
 * private key never leaves the browser; the page sends it here only to sign or to save it.
 */
import { certificateKeyAlgorithm, createKeyPairAndCsr, fromPkcs12, signChallenge, signMessage, subjectPublicKeyInfoOf, toPkcs12 } from '@ggzy/crypto';
import { bytesToBase64, hexOf } from './bytes';
import { failureOf, type CertificateKeyInfo, type KeysReply, type KeysRequest } from './protocol';

const post = (reply: KeysReply) => self.postMessage(reply);

/** A certificate's public key (docs/pki.md §2: the key id is SHA-256 of the SubjectPublicKeyInfo); nulls if unreadable here. */
async function keyInfoOf(certificatePem: string): Promise<CertificateKeyInfo> {
  try {
    const spki = new Uint8Array(subjectPublicKeyInfoOf(certificatePem));
    return { spki: bytesToBase64(spki), algorithm: certificateKeyAlgorithm(certificatePem), keyId: hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', spki))) };
  } catch {
    return { spki: null, algorithm: null, keyId: null };
  }
}

async function handle(request: KeysRequest): Promise<KeysReply> {
  switch (request.type) {
    case 'unlock': {
      const contents = fromPkcs12(request.p12, request.password);
      return { type: 'unlocked', ...contents, ...(await keyInfoOf(contents.certificatePem)) };
    }
    case 'csr': {
      const { csrPem, privateKeyPem } = await createKeyPairAndCsr({ subject: request.subject, algorithm: request.algorithm });
      return { type: 'csr', csrPem, privateKeyPem };
    }
    case 'pkcs12':
      return { type: 'pkcs12', bytes: toPkcs12(request) };
    case 'sign':
      return { type: 'signature', signature: signMessage(request.privateKeyPem, request.context, request.message) };
    case 'signChallenge':
      return { type: 'signature', signature: signChallenge(request.privateKeyPem, request.challenge) };
    case 'certificate':
      return { type: 'certificate', ...(await keyInfoOf(request.certificatePem)) };
  }
}

self.onmessage = (event: MessageEvent<KeysRequest>) => {
  handle(event.data).then(post, (error: unknown) => post({ type: 'error', failure: failureOf(error) }));
};

export {};
