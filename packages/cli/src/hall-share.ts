/**
 * The custodian's part of a recovery (docs/opening-hall.md §9): `ggzy hall share` fetches the
 * custodian's own sealed share of the section's opening key (`hall.shares`), opens it HERE with the
 * key file's private key (the share's header names the opening key and the custodian; a share of
 * another key is refused before anything is sent), signs the canonical submission
 * `{ type: "ggzy-hall-share/v1", sectionId, organisationId, keyId, shareSha256, challengeId, challenge }`
 * with the certificate's key, and submits the plain share with it (`hall.submitShare`). The private
 * key, the PKCS#12 bytes and its password never leave this machine; the plain share goes only to
 * hall.submitShare, and the local copy is zeroed.
 */
import { openSealedShare, OpeningKeyError, sha256Hex, signMessage } from '@ggzy/crypto';
import canonicalize from 'canonicalize';
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { me, myCertificates } from './contract';
import { keyOf } from './decrypt-check';
import { CliError } from './errors';
import { fromPkcs12ForHall, readKeyFileForHall, type HallOptions, type HallRecordRow, hallRecordRow } from './hall';
import { signIn } from './session';

export const SHARE_CONTEXT = 'ggzy-hall-share/v1';

export interface HallShareOptions extends HallOptions {
  organisation: string;
}

const sharesAnswer = z.looseObject({
  sectionId: z.string(),
  keyId: z.string(),
  threshold: z.number(),
  custodianId: z.string(),
  certificateId: z.string(),
  sealedShare: z.string(),
  challengeId: z.string(),
  challenge: z.string(),
  bids: z.array(z.looseObject({ organisationId: z.string(), name: z.string(), state: z.string(), recoverable: z.boolean() })),
});
const submitAnswer = z.looseObject({ state: z.string(), received: z.number(), threshold: z.number(), already: z.boolean(), row: hallRecordRow.optional() });

export type HallShareResult =
  | { outcome: 'pending'; received: number; threshold: number; already: boolean; companyName: string }
  | { outcome: 'recovered'; row: HallRecordRow; companyName: string };

const normaliseSerial = (serial: string) => serial.toLowerCase().replace(/^0+(?=.)/, '');

function uuidOf(value: string, what: { zh: string; en: string }): string {
  if (!z.uuid().safeParse(value).success) throw new CliError(`${what.zh}应为 UUID / the ${what.en} is a UUID: ${value}`);
  return value;
}

/** `ggzy hall share`: one custodian's share for one bid, opened here, signed and submitted. */
export async function hallShare(options: HallShareOptions): Promise<HallShareResult> {
  const sectionId = uuidOf(options.section, { zh: '标段编号', en: 'section id' });
  const organisationId = uuidOf(options.organisation, { zh: '投标人单位编号', en: 'bidder’s organisation id' });
  const file = await readKeyFileForHall(options);
  const { certificatePem, privateKeyPem } = fromPkcs12ForHall(file.bytes, file.password);
  const { privateKey } = await keyOf(file.bytes, file.password);
  const serial = normaliseSerial(new X509Certificate(certificatePem).serialNumber);
  const session = await signIn(options);
  try {
    const account = await session.query('auth.me', undefined, me);
    if (!account) throw new CliError('未登录 / not signed in');
    const certificate = (await session.query('certificate.mine', undefined, myCertificates)).find((c) => normaliseSerial(c.serial) === serial);
    if (!certificate) throw new CliError('此证书未在平台登记，不能用于签名 / this certificate is not registered with the platform and cannot sign');
    if (certificate.status !== 'valid') {
      throw new CliError(`此证书${certificate.status === 'expired' ? '已过期' : '已吊销'}，请使用您当前有效的数字证书 / this certificate is ${certificate.status}: use your current valid certificate`);
    }
    const fetched = await session.mutate('hall.shares', { sectionId }, sharesAnswer);
    const bid = fetched.bids.find((b) => b.organisationId === organisationId);
    if (!bid) throw new CliError('该单位在本标段没有投标，未提交份额 / that company has no bid in this section; nothing was submitted');
    let opened: Awaited<ReturnType<typeof openSealedShare>>;
    try {
      opened = await openSealedShare({ sealedShare: [new Uint8Array(Buffer.from(fetched.sealedShare, 'base64'))], key: { privateKey }, expectKeyId: fetched.keyId });
    } catch (error) {
      if (error instanceof OpeningKeyError) {
        throw new CliError(
          `此证书打不开您的保管份额（份额封装给证书 ${fetched.certificateId}），未提交任何内容；请使用开标密钥生成时您所持证书的密钥文件 / this key file does not open your sealed share (it was sealed to certificate ${fetched.certificateId}); nothing was submitted: use the key file of the certificate you held when the opening key was made`,
        );
      }
      throw error;
    }
    if (opened.custodianId !== account.accountId) {
      opened.share.fill(0);
      throw new CliError('平台给出的份额不是封装给您的，未提交 / the share the platform gave is not sealed for you; nothing was submitted');
    }
    try {
      const message = canonicalize({ type: SHARE_CONTEXT, sectionId, organisationId, keyId: opened.keyId, shareSha256: sha256Hex(opened.share), challengeId: fetched.challengeId, challenge: fetched.challenge })!;
      const signature = Buffer.from(signMessage(privateKeyPem, SHARE_CONTEXT, new TextEncoder().encode(message))).toString('base64');
      const answer = await session.mutate(
        'hall.submitShare',
        { sectionId, organisationId, keyId: opened.keyId, share: Buffer.from(opened.share).toString('base64'), message, signature, certificateId: certificate.id },
        submitAnswer,
      );
      if (answer.state === 'recovered' && answer.row) return { outcome: 'recovered', row: answer.row, companyName: bid.name };
      return { outcome: 'pending', received: answer.received, threshold: answer.threshold, already: answer.already, companyName: bid.name };
    } finally {
      opened.share.fill(0);
    }
  } finally {
    await session.logout();
  }
}
