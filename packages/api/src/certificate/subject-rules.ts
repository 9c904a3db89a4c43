/**
 * Whose name a certificate may carry (docs/sealed-bids.md §1): a certificate speaks for the
 * account's organisation, so O is the organisation's registered name, serialNumber its
 * 统一社会信用代码, and CN either the organisation's name or the holder's own name (custodians sign
 * as persons). Pure, so the rule reads on its own.
 */
import type { BilingualMessage } from '@ggzy/domain';

export interface CertificateOwner {
  displayName: string;
  organisationName: string | null;
  creditCode: string | null;
}

export interface SubjectFields {
  commonName: string;
  organisation: string;
  creditCode: string | undefined;
}

const same = (a: string | undefined | null, b: string | undefined | null) =>
  (a ?? '').normalize('NFC').trim() === (b ?? '').normalize('NFC').trim();

/** What to put in the request, in words a person can copy. */
export function expectedSubject(owner: CertificateOwner): BilingualMessage {
  if (!owner.organisationName || !owner.creditCode) {
    return { zh: `CN=${owner.displayName}`, en: `CN=${owner.displayName}` };
  }
  return {
    zh: `O=${owner.organisationName}，CN=${owner.organisationName}（或持有人姓名 ${owner.displayName}），serialNumber=${owner.creditCode}`,
    en: `O=${owner.organisationName}, CN=${owner.organisationName} (or the holder's name ${owner.displayName}), serialNumber=${owner.creditCode}`,
  };
}

/** Null when the subject fits the owner; otherwise the message that says what to put instead. */
export function subjectMismatch(subject: SubjectFields, owner: CertificateOwner): BilingualMessage | null {
  const fits =
    owner.organisationName !== null &&
    owner.creditCode !== null &&
    same(subject.organisation, owner.organisationName) &&
    same(subject.creditCode, owner.creditCode) &&
    (same(subject.commonName, owner.organisationName) || same(subject.commonName, owner.displayName));
  if (fits) return null;
  const expected = expectedSubject(owner);
  return {
    zh: `证书主题与账号不符（当前：O=${subject.organisation}，CN=${subject.commonName}，serialNumber=${subject.creditCode ?? '无'}），应填写：${expected.zh}`,
    en: `The certificate subject does not match the account (given: O=${subject.organisation}, CN=${subject.commonName}, serialNumber=${subject.creditCode ?? 'none'}); put: ${expected.en}`,
  };
}
