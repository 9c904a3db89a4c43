export type OpeningKeyErrorCode =
  /** The caller's options are invalid (threshold, custodians, suite parameters). */
  | 'invalid-input'
  /** No opening-key implementation for this envelope suite yet. */
  | 'unsupported-suite'
  /** Fewer shares than the threshold were given. */
  | 'not-enough-shares'
  /** The shares do not rebuild the private half of this opening key (a wrong, damaged or missing share). */
  | 'shares-do-not-match'
  /** A sealed share is not addressed to the given key, or not a share of this opening key. */
  | 'wrong-share';

/** The one error type of the opening-key ceremony; callers branch on `code`. */
export class OpeningKeyError extends Error {
  override readonly name = 'OpeningKeyError';
  constructor(
    readonly code: OpeningKeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
