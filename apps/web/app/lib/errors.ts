import type { AppErrorData } from '@ggzy/api';
import type { Translator } from '../i18n/i18n';

/** The API's error as the UI needs it: its code and both languages (see packages/api/src/trpc.ts). */
export type ApiError = Pick<AppErrorData, 'code' | 'zh' | 'en'>;

/** A failed file transfer over the REST endpoints: the API's own error, or null for the network. */
export class TransferError extends Error {
  constructor(readonly api: ApiError | null) {
    super(api ? `${api.zh} / ${api.en}` : 'network error');
    this.name = 'TransferError';
  }
}

/** A REST error body, `{ error: { code, zh, en } }`, as a TransferError. */
export function transferErrorOf(body: unknown): TransferError {
  const error = (body as { error?: Partial<ApiError> } | null)?.error;
  return new TransferError(
    error && typeof error.zh === 'string' && typeof error.en === 'string' ? { code: error.code ?? 'INTERNAL', zh: error.zh, en: error.en } : null,
  );
}

/** The platform error inside a tRPC client error, or null for anything else (network, bug). */
export function apiErrorOf(error: unknown): ApiError | null {
  if (error instanceof TransferError) return error.api;
  const app = appDataOf(error);
  return app ? { code: app.code, zh: app.zh, en: app.en } : null;
}

function appDataOf(error: unknown): AppErrorData | null {
  const app = (error as { data?: { app?: AppErrorData } } | null)?.data?.app;
  if (app && typeof app.code === 'string' && typeof app.zh === 'string' && typeof app.en === 'string') return app;
  return null;
}

/** A message for the person, in the current language. */
export function describeError(error: unknown, i18n: Translator): string {
  const app = apiErrorOf(error);
  return app ? i18n.pick(app) : i18n.t('error.network');
}

export interface Bilingual {
  zh: string;
  en: string;
}

/** Messages per input field, keyed by the field's path in the request ("section.deadline"). */
export type FieldErrors = Record<string, Bilingual[]>;

/** "标段名称至少 2 个字 / the section name needs …": the API's schemas write both languages in one. */
function splitBilingual(message: string): Bilingual {
  const at = message.indexOf(' / ');
  return at < 0 ? { zh: message, en: message } : { zh: message.slice(0, at), en: message.slice(at + 3) };
}

/**
 * Which fields an error is about, so a form can show each message beside its field:
 * RULE_VIOLATION names them in `details.fields` (one per problem, in the order of the messages,
 * which are joined by "；" and "; "), INVALID_INPUT lists schema issues with their paths.
 * `prefix` places bare rule fields ("deadline") inside the request ("section.deadline"), and
 * `rename` maps request paths to the form's own ("fields." of tender.update → "section.").
 */
export function fieldErrorsOf(error: unknown, options: { prefix?: string; rename?: Record<string, string> } = {}): FieldErrors {
  const app = appDataOf(error);
  const result: FieldErrors = {};
  if (!app) return result;
  const rename = (path: string) => {
    for (const [from, to] of Object.entries(options.rename ?? {})) if (path === from || path.startsWith(`${from}.`)) return to + path.slice(from.length);
    return path;
  };
  const add = (path: string, message: Bilingual) => (result[rename(path)] ??= []).push(message);
  if (app.code === 'RULE_VIOLATION' && typeof app.details?.fields === 'string' && app.details.fields !== '') {
    const fields = app.details.fields.split(',');
    // An English message may itself hold "; the earliest …", so it splits only before a capital.
    const zh = app.zh.split('；');
    const en = app.en.split(/; (?=[A-Z])/);
    fields.forEach((field, i) =>
      add(`${options.prefix ?? ''}${field}`, {
        zh: zh.length === fields.length ? zh[i]! : app.zh,
        en: en.length === fields.length ? en[i]! : app.en,
      }),
    );
  } else if (app.code === 'INVALID_INPUT' && app.fields) {
    for (const field of app.fields) add(field.path, splitBilingual(field.message));
  }
  return result;
}

/** The messages for one field and everything inside it ("section.scoringMethod" takes "….criteria.0.maxPoints"). */
export function messagesFor(errors: FieldErrors, field: string): Bilingual[] {
  return Object.entries(errors)
    .filter(([path]) => path === field || path.startsWith(`${field}.`))
    .flatMap(([, messages]) => messages);
}
