import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import type { Verdict } from '../lib/verify-entry';

/** Why a verification failed, in the current language. */
export function useFailureText() {
  const i18n = useI18n();
  return (verdict: Extract<Verdict, { ok: false }>): string => {
    switch (verdict.reason) {
      case 'leaf':
        return i18n.t('verify.reason.leaf');
      case 'proof':
        return i18n.t('verify.reason.proof');
      case 'size':
        return i18n.t('verify.reason.size');
      case 'signature':
        return i18n.t('verify.reason.signature', { detail: verdict.detail });
      case 'api':
        return describeError(verdict.error, i18n);
    }
  };
}
