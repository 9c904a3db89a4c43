import { createPlatformCa, type PlatformCa } from '@ggzy/crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
 * The platform CA (DESIGN.md §4): for the embedded default it is made at first start and kept in the
 * data folder beside the checkpoint key; a deployment points CA_KEY_FILE/CA_CERT_FILE at its own.
 * Half a CA (a key without its certificate or the reverse) is refused rather than silently replaced,
 * since replacing it would orphan every certificate already issued.
 */
export async function loadPlatformPki(config: ApiConfig, log: Logger): Promise<{ ca: PlatformCa; trustedRootsPem: string[] }> {
  const [key, cert] = await Promise.all([readIfPresent(config.caKeyFile), readIfPresent(config.caCertFile)]);
  let ca: PlatformCa;
  if (key && cert) {
    ca = { privateKeyPem: key, certificatePem: cert };
  } else if (key || cert) {
    throw new Error(
      `平台 CA 不完整：${key ? config.caCertFile : config.caKeyFile} 不存在 / the platform CA is incomplete: ${key ? config.caCertFile : config.caKeyFile} is missing`,
    );
  } else {
    ca = await createPlatformCa({ commonName: '公共资源交易平台 CA', organisation: '公共资源交易平台', validityYears: 10 });
    await mkdir(dirname(config.caKeyFile), { recursive: true });
    await mkdir(dirname(config.caCertFile), { recursive: true });
    // Key first under a temporary name, then both renamed: a crash never leaves half a CA behind.
    await writeFile(`${config.caKeyFile}.tmp`, ca.privateKeyPem, { mode: 0o600 });
    await writeFile(`${config.caCertFile}.tmp`, ca.certificatePem, { mode: 0o644 });
    await rename(`${config.caCertFile}.tmp`, config.caCertFile);
    await rename(`${config.caKeyFile}.tmp`, config.caKeyFile);
    log.warn({ file: config.caCertFile }, 'generated a new platform CA');
  }
  const trustedRootsPem = await Promise.all(config.trustedCaFiles.map((f) => readFile(f, 'utf8')));
  return { ca, trustedRootsPem };
}
