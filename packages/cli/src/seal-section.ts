/**
 * `ggzy seal --section <id>` without `--to`: sealing for a section on the platform. The recipients,
 * metadata, suite and chunk size come from `bidding.sealingInfo` (docs/sealed-bids.md §3); the
 * sealing itself still happens here, on the bidder's machine.
 */
import { envelopeRecipientFromSpki, fromPkcs12, sealEnvelope, subjectPublicKeyInfoOf, SUITE_RSA_AES, SUPPORTED_SUITES, type EnvelopeSuiteId, type SealSummary } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { bundleFromFiles, type BundleFilesOptions } from './bundle';
import { sealingInfo, type SealingInfo } from './contract';
import { CliError } from './errors';
import { p12Password, writeStreamAtomic } from './files';
import { signIn, type SignInOptions } from './session';

export interface SealForSectionOptions extends SignInOptions {
  sectionId: string;
  output: string;
  /** The plaintext: a file (e.g. a bundle made with `ggzy bundle`)… */
  input?: string | undefined;
  /** …or the bundle's parts, bundled on the fly (the plaintext never touches the disk). */
  bundle?: BundleFilesOptions | undefined;
  /** The bidder's key file: checked to be the key the platform seals to, so the bid can be opened. */
  p12?: string | undefined;
  p12Password?: string | undefined;
  onProgress?: (plaintextBytes: number, total: number) => void;
}


/** docs/envelope.md §8: the exact size of an envelope of the RSA suite, known once the header is. */
export function envelopeSize(headerBytes: number, plaintextBytes: number, chunkSize: number): number {
  const stream = plaintextBytes + 32;
  return headerBytes + stream + 21 * Math.ceil(stream / chunkSize) + 32;
}

export async function sealForSection(options: SealForSectionOptions): Promise<{ summary: SealSummary; info: SealingInfo }> {
  if (Boolean(options.input) === Boolean(options.bundle)) {
    throw new CliError('请给出 --in 文件，或 --schedule 与各部分文件（二选一）/ give either --in or --schedule with the parts, not both');
  }
  const session = await signIn(options);
  let info: SealingInfo;
  try {
    info = await session.query('bidding.sealingInfo', { sectionId: options.sectionId }, sealingInfo);
  } finally {
    await session.logout();
  }
  if (!SUPPORTED_SUITES.includes(info.suite)) {
    throw new CliError(`本工具尚不支持该标段的密码套件 ${info.suite} / this version of ggzy cannot seal with the section's suite ${info.suite}`);
  }
  const suite = info.suite as EnvelopeSuiteId;
  // Each key must fit the suite and have the id the platform announced: the envelope names keys by id.
  const recipients = await Promise.all(
    info.recipients.map((r) => envelopeRecipientFromSpki({ role: r.role, spki: r.publicKeySpki, suite, expectedKeyId: r.keyId })),
  );
  const bidderKeys = info.recipients.filter((r) => r.role === 'bidder').map((r) => r.publicKeySpki);
  if (bidderKeys.length === 0) throw new CliError('平台没有给出投标人本人的接收方密钥 / the platform gave no bidder recipient key');
  if (options.p12) {
    const password = await p12Password(options.p12Password, { zh: '证书文件密码', en: 'key-file password' });
    const { certificatePem } = fromPkcs12(new Uint8Array(await readFile(options.p12)), password);
    const own = Buffer.from(subjectPublicKeyInfoOf(certificatePem)).toString('base64');
    if (!bidderKeys.some((key) => Buffer.from(key, 'base64').toString('base64') === own)) {
      throw new CliError(
        '平台密封所用的证书不是此证书文件中的证书，开标时将无法解密；请先用此证书申领或登记 / the platform seals to a different certificate than the one in this key file: you could not open the bid at the opening; enrol or register this certificate first',
      );
    }
  }

  const bundle = options.bundle ? await bundleFromFiles(options.bundle) : null;
  const plaintextBytes = bundle ? bundle.size : (await stat(options.input!)).size;
  const plaintext = bundle ? bundle.bytes : (createReadStream(options.input!) as AsyncIterable<Uint8Array>);
  const sealed = await sealEnvelope({
    plaintext,
    recipients,
    metadata: info.metadata,
    chunkSize: info.chunkSize,
    suite,
    backend: nodeBackend,
    onProgress: (p) => options.onProgress?.(p.plaintextBytes, plaintextBytes),
  });
  // Handled here so that a failure while writing surfaces once, from the write, not also as an
  // unhandled rejection.
  sealed.summary.catch(() => {});
  // Known in advance for the RSA suite: refuse before writing a byte. Other suites are checked after.
  const size = suite === SUITE_RSA_AES ? envelopeSize(sealed.headerBytes.length, plaintextBytes, info.chunkSize) : 0;
  if (size > info.maxEnvelopeBytes) {
    // Nothing has been read or written yet: abandon the generator.
    await sealed.bytes[Symbol.asyncIterator]().return?.(undefined);
    throw new CliError(
      `密封后的文件为 ${size} 字节，超过本标段上限 ${info.maxEnvelopeBytes} 字节 / the sealed bid would be ${size} bytes, above this section's limit of ${info.maxEnvelopeBytes}`,
    );
  }
  await writeStreamAtomic(options.output, sealed.bytes);
  const summary = await sealed.summary;
  if (summary.envelopeBytes > info.maxEnvelopeBytes) {
    await rm(options.output, { force: true });
    throw new CliError(
      `密封后的文件为 ${summary.envelopeBytes} 字节，超过本标段上限 ${info.maxEnvelopeBytes} 字节 / the sealed bid is ${summary.envelopeBytes} bytes, above this section's limit of ${info.maxEnvelopeBytes}`,
    );
  }
  return { summary, info };
}
