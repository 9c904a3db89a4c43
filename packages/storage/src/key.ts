import { InvalidKeyError } from './errors';

export const MAX_KEY_LENGTH = 512;
/** Leaves room under the usual 255-byte file name limit for the disk store's `.meta.json` suffix. */
export const MAX_SEGMENT_LENGTH = 200;

// A segment may not start with '.', which rules out '.', '..' and hidden names, so the stores can
// keep their own bookkeeping ('.tmp/', '.meta/', '.ggzy-ready') where no key can reach it.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function describe(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

/**
 * Keys are '/'-separated segments of [A-Za-z0-9._-]. Validating them here is what keeps the disk
 * store from writing outside its folder, so every entry point calls it before touching a path.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidKeyError('Object key must be a non-empty string');
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidKeyError(`Object key is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`);
  }
  if (key.startsWith('/')) {
    throw new InvalidKeyError(`Object key ${describe(key)} must not start with "/"`);
  }
  for (const segment of key.split('/')) {
    if (segment.length === 0) {
      throw new InvalidKeyError(`Object key ${describe(key)} has an empty segment ("//" or a trailing "/")`);
    }
    if (segment.length > MAX_SEGMENT_LENGTH) {
      throw new InvalidKeyError(`Object key ${describe(key)} has a segment longer than ${MAX_SEGMENT_LENGTH} characters`);
    }
    if (!SEGMENT.test(segment)) {
      throw new InvalidKeyError(
        `Object key ${describe(key)} has an invalid segment ${describe(segment)}: use A-Z, a-z, 0-9, ".", "_" and "-", not starting with "."`,
      );
    }
  }
}

/** A list prefix is '' or the start of a valid key: whole segments, optionally a trailing '/'. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}
