import { AppError, type BilingualMessage } from '../errors';

/** Why a bid bundle (or its opening schedule) was refused; stable, for callers that branch on it. */
export type BidBundleErrorReason =
  | 'invalid-schedule'
  | 'invalid-name'
  | 'duplicate-name'
  | 'no-files'
  | 'too-many-files'
  | 'too-large'
  | 'size-mismatch'
  | 'malformed-bundle';

/**
 * A refused bid bundle. It is an AppError (INVALID_INPUT) so the API maps it like any other bad
 * input, and it carries the reason and, where there is one, the offending path.
 */
export class BidBundleError extends AppError {
  readonly reason: BidBundleErrorReason;
  readonly path: string | null;

  constructor(reason: BidBundleErrorReason, message: BilingualMessage, path: string | null = null) {
    super('INVALID_INPUT', message, { reason, path });
    this.name = 'BidBundleError';
    this.reason = reason;
    this.path = path;
  }
}
