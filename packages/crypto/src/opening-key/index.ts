/** The section opening key: made and split at publication, rebuilt from k custodians' shares (DESIGN.md §4, docs/sealed-bids.md §2). */
export { OpeningKeyError, type OpeningKeyErrorCode } from './errors';
export { OPENING_KEY_SUITES } from './suites';
export {
  createOpeningKey,
  type CreateOpeningKeyOptions,
  type CreatedOpeningKey,
  type OpeningKeyCustodian,
  type SealedOpeningKeyShare,
} from './ceremony';
export { openSealedShare, rebuildOpeningKey, SHARE_METADATA, type OpenedShare, type RebuildOpeningKeyOptions, type RebuiltOpeningKey } from './rebuild';
