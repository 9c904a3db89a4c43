import type { AppErrorData } from '@ggzy/api';
import type { Translator } from '../i18n/i18n';

/** The API's error as the UI needs it: its code and both languages (see packages/api/src/trpc.ts). */
export type ApiError = Pick<AppErrorData, 'code' | 'zh' | 'en'>;

/** The platform error inside a tRPC client error, or null for anything else (network, bug). */
export function apiErrorOf(error: unknown): ApiError | null {
  const app = (error as { data?: { app?: AppErrorData } } | null)?.data?.app;
  if (app && typeof app.code === 'string' && typeof app.zh === 'string' && typeof app.en === 'string') {
    return { code: app.code, zh: app.zh, en: app.en };
  }
  return null;
}

/** A message for the person, in the current language. */
export function describeError(error: unknown, i18n: Translator): string {
  const app = apiErrorOf(error);
  return app ? i18n.pick(app) : i18n.t('error.network');
}
