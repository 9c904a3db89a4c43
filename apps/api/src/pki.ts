import { createPlatformCa, type PlatformCa } from '@ggzy/crypto';
import { issueDocumentSigningCertificate, type PdfKeySigner } from '@ggzy/pdf';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiConfig } from './config';

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * One CA from its key and certificate files, made at first start when both are absent. Half a CA
 * (a key without its certificate or the reverse) is refused rather than silently replaced, since
 * replacing it would orphan every certificate already issued.
 */
async function loadOrCreateCa(files: { key: string; cert: string }, algorithm: 'rsa' | 'sm2', log: Logger): Promise<PlatformCa> {
  const [key, cert] = await Promise.all([readIfPresent(files.key), readIfPresent(files.cert)]);
  if (key && cert) return { privateKeyPem: key, certificatePem: cert };
  if (key || cert) {
    const missing = key ? files.cert : files.key;
    throw new Error(`平台 CA 不完整：${missing} 不存在 / the platform CA is incomplete: ${missing} is missing`);
  }
  const ca = await createPlatformCa({
    commonName: algorithm === 'sm2' ? '公共资源交易平台 SM2 CA' : '公共资源交易平台 CA',
    organisation: '公共资源交易平台',
    validityYears: 10,
    algorithm,
  });
  await mkdir(dirname(files.key), { recursive: true });
  await mkdir(dirname(files.cert), { recursive: true });
  // Both written under temporary names, then renamed: a crash never leaves half a CA behind.
  await writeFile(`${files.key}.tmp`, ca.privateKeyPem, { mode: 0o600 });
  await writeFile(`${files.cert}.tmp`, ca.certificatePem, { mode: 0o644 });
  await rename(`${files.cert}.tmp`, files.cert);
  await rename(`${files.key}.tmp`, files.key);
  log.warn({ file: files.cert, algorithm }, 'generated a new platform CA');
  return ca;
}

/**
 * The platform CAs (DESIGN.md §4): an RSA CA, and an SM2 CA for bidders of sections that use the
 * GM/T suite (GM/T 0015 CAs sign SM2 certificates with SM2). For the embedded default both are made
 * at first start in the data folder beside the checkpoint key; a deployment points
 * CA_KEY_FILE/CA_CERT_FILE (and SM2_CA_KEY_FILE/SM2_CA_CERT_FILE) at its own.
 */
export async function loadPlatformPki(
  config: ApiConfig,
  log: Logger,
): Promise<{ ca: PlatformCa; sm2Ca: PlatformCa; trustedRootsPem: string[] }> {
  const ca = await loadOrCreateCa({ key: config.caKeyFile, cert: config.caCertFile }, 'rsa', log);
  const sm2Ca = await loadOrCreateCa({ key: config.sm2CaKeyFile, cert: config.sm2CaCertFile }, 'sm2', log);
  const trustedRootsPem = await Promise.all(config.trustedCaFiles.map((f) => readFile(f, 'utf8')));
  return { ca, sm2Ca, trustedRootsPem };
}

/**
 * The platform's document-signing key and certificate (开标记录签章, docs/decisions/015-signed-pdf.md),
 * beside the RSA CA's key (document-signer.key.pem, document-signer.cert.pem): issued by that CA at
 * first start, or again when the stored certificate is no longer the CA's or has expired (documents
 * signed before keep their own certificate embedded). Half a pair is refused as for the CA.
 */
export async function loadDocumentSigner(config: ApiConfig, ca: PlatformCa, log: Logger): Promise<PdfKeySigner> {
  const folder = dirname(config.caKeyFile);
  const files = { key: join(folder, 'document-signer.key.pem'), cert: join(folder, 'document-signer.cert.pem') };
  const [key, cert] = await Promise.all([readIfPresent(files.key), readIfPresent(files.cert)]);
  if (key && cert) {
    const leaf = new X509Certificate(cert);
    const usable = leaf.checkIssued(new X509Certificate(ca.certificatePem)) && new Date(leaf.validTo) > new Date(Date.now() + 86_400_000);
    if (usable) return { keyPem: key, certificateChainPem: [cert, ca.certificatePem] };
    log.warn({ file: files.cert }, 'the document-signing certificate is not from the platform CA or expires within a day; issuing a new one');
  } else if (key || cert) {
    const missing = key ? files.cert : files.key;
    throw new Error(`文档签章证书不完整：${missing} 不存在 / the document-signing certificate is incomplete: ${missing} is missing`);
  }
  const signer = issueDocumentSigningCertificate(ca);
  await mkdir(folder, { recursive: true });
  await writeFile(`${files.key}.tmp`, signer.keyPem, { mode: 0o600 });
  await writeFile(`${files.cert}.tmp`, signer.certificateChainPem[0]!, { mode: 0o644 });
  await rename(`${files.cert}.tmp`, files.cert);
  await rename(`${files.key}.tmp`, files.key);
  log.warn({ file: files.cert }, 'issued a new document-signing certificate');
  return signer;
}
