/**
 * `@ggzy/crypto/node`: the envelope on Node's native OpenSSL, for the CLI, the server and the
 * benchmarks. Browsers and Web Workers use the portable default and never load this entry.
 *
 *   import { sealEnvelope } from '@ggzy/crypto';
 *   import { nodeBackend, readFileForSealing, writeEnvelopeFile } from '@ggzy/crypto/node';
 *   const sealed = await sealEnvelope({ plaintext: readFileForSealing(path), recipients, backend: nodeBackend });
 *   await writeEnvelopeFile(sealed.bytes, outputPath);
 */
export { createNodeBackend, nodeBackend, type NodeBackendOptions } from './backend';
export { offThreadSha256 } from './hash-worker';
export { readFileForSealing } from './file-source';
export { writeEnvelopeFile, type WriteEnvelopeFileOptions } from './file-sink';
export { sealFileToFile, type SealFileToFileOptions } from './seal-file';
export {
  createCertificateValidator,
  validateCertificateNode,
  verifyChallengeNode,
  verifyMessageNode,
  type CertificateValidator,
  type CertificateValidatorOptions,
} from '../../pki/node';
