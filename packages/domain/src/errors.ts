/**
 * The one error type of the platform. Every rule violation, permission refusal and bad input is an
 * AppError with a code and a message a person can act on, in Chinese first and English second.
 * The API maps codes to transport codes in one place (packages/api/src/trpc.ts).
 */
export const APP_ERROR_CODES = [
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_LOCKED',
  'ACCOUNT_DISABLED',
  'PERMISSION_DENIED',
  'CSRF_REJECTED',
  'RATE_LIMITED',
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RULE_VIOLATION',
  'INTERNAL',
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export interface BilingualMessage {
  zh: string;
  en: string;
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly zh: string;
  readonly en: string;
  /** Machine-readable facts about the error (for example the permission that was missing). */
  readonly details: Record<string, string | number | boolean | null>;

  constructor(
    code: AppErrorCode,
    message: BilingualMessage,
    details: Record<string, string | number | boolean | null> = {},
  ) {
    super(`${message.zh} / ${message.en}`);
    this.name = 'AppError';
    this.code = code;
    this.zh = message.zh;
    this.en = message.en;
    this.details = details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
