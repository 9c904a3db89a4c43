import { TRPCClientError } from '@trpc/client';

/** A failure the user can act on; its message is already bilingual (Chinese / English). */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The platform's own bilingual message for an API error, the code of a crypto error, or the error's text. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  const code = (error as { code?: unknown }).code;
  const prefix = typeof code === 'string' && /^[a-z-]+$/.test(code) ? `[${code}] ` : '';
  if (error instanceof Error && !(error instanceof CliError) && 'cause' in error && error.cause instanceof Error) {
    return `${prefix}${error.message}: ${error.cause.message}`;
  }
  return prefix + (error instanceof Error ? error.message : String(error));
}
