import type { Translator } from '../../i18n/i18n';
import { apiErrorOf } from '../errors';
import { formatBytes } from '../money';
import type { WorkerFailure } from './protocol';

/** The failure of a worker or an upload, if the thrown value is one (see workers.client.ts, upload.client.ts). */
function failureOf(error: unknown): WorkerFailure | null {
  const failure = (error as { failure?: WorkerFailure } | null)?.failure;
  return failure && typeof failure.message === 'string' ? failure : null;
}

/**
 * A message a bidder can act on, in the current language, for anything the bid and certificate
 * pages can throw: the API's own bilingual errors, refused uploads, and the libraries' error codes
 * from inside the workers.
 */
export function describeBidError(error: unknown, i18n: Translator, context: { maxEnvelopeBytes?: number; suite?: string } = {}): string {
  // Problems the page words itself (a key file that is not the current certificate, none chosen).
  if (error instanceof Error && error.name === 'KeyFileProblem') return error.message;
  const api = apiErrorOf(error) ?? (error as { api?: { zh: string; en: string } | null } | null)?.api ?? null;
  if (api) return i18n.pick(api);
  const failure = failureOf(error);
  if (failure) {
    switch (failure.code) {
      case 'wrong-password':
        return i18n.t('key.wrongPassword');
      case 'malformed':
        return i18n.t('key.malformed');
      case 'too-large':
        return i18n.t('bid.sealTooLarge', { max: formatBytes(context.maxEnvelopeBytes ?? 0) });
      case 'unsupported-suite':
        return i18n.t('bid.sealUnsupportedSuite', { suite: context.suite ?? '' });
    }
    // The domain's bundle errors and others that speak both languages.
    if (failure.zh && failure.en) return i18n.pick({ zh: failure.zh, en: failure.en });
    // CertificateError and EnvelopeError write "English / 中文: detail".
    const at = failure.message.indexOf(' / ');
    if (at > 0) return i18n.lang === 'zh' ? failure.message.slice(at + 3) : failure.message.slice(0, at);
    return failure.message;
  }
  if (error instanceof Error && (error.name === 'UploadRefused' || error.name === 'TypeError')) return i18n.t('bid.uploadInterrupted');
  return i18n.t('error.network');
}
