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
      case 'log':
        return i18n.t('verify.reason.log');
      case 'outside':
        return i18n.t('verify.reason.outside', { size: verdict.size });
      case 'gone':
        return i18n.t('verify.reason.gone', { index: verdict.index });
      case 'checkpoint':
        return i18n.t('verify.reason.checkpoint');
      case 'signature':
        return i18n.t('verify.reason.signature', { detail: verdict.detail });
      case 'api':
        return describeError(verdict.error, i18n);
    }
  };
}
