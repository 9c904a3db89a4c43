/**
 * Signed checkpoints in the C2SP formats used by transparency logs (tlog-checkpoint inside a
 * signed-note, Ed25519 signatures), so that standard tooling and other implementations can read them:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key hash ‖ signature)>\n
 *
 * The key hash is the first 4 bytes of SHA-256(<key name> ‖ 0x0A ‖ 0x01 ‖ public key); the
 * signature covers the checkpoint body (the first three lines with their newlines).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalHashes, type Hash } from './merkle';

const ALG_ED25519 = 0x01;
const encoder = new TextEncoder();

export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
}

export interface CheckpointSigner {
  readonly origin: string;
  readonly keyName: string;
  readonly publicKey: Uint8Array;
  /** The verifier key string `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`. */
  readonly verifierKey: string;
  sign(size: number, root: Hash): string;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function keyHash(name: string, publicKey: Uint8Array): Uint8Array {
  const h = sha256.create();
  h.update(encoder.encode(`${name}\n`));
  h.update(new Uint8Array([ALG_ED25519]));
  h.update(publicKey);
  return h.digest().slice(0, 4);
}

export function checkpointBody(checkpoint: Checkpoint): string {
  if (/[\n]/.test(checkpoint.origin) || checkpoint.origin === '') throw new RangeError('invalid origin');
  return `${checkpoint.origin}\n${checkpoint.size}\n${toBase64(checkpoint.root)}\n`;
}

export function createCheckpointSigner(options: { origin: string; keyName?: string; seed: Uint8Array }): CheckpointSigner {
  if (options.seed.length !== 32) throw new RangeError('an Ed25519 seed has 32 bytes');
  const keyName = options.keyName ?? options.origin;
  if (/[\s+]/.test(keyName)) throw new RangeError('a key name may not contain spaces or "+"');
  const publicKey = ed25519.getPublicKey(options.seed);
  const hash = keyHash(keyName, publicKey);
  return {
    origin: options.origin,
    keyName,
    publicKey,
    verifierKey: formatVerifierKey(keyName, publicKey),
    sign(size, root) {
      const body = checkpointBody({ origin: options.origin, size, root });
      const signature = ed25519.sign(encoder.encode(body), options.seed);
      const blob = new Uint8Array(4 + signature.length);
      blob.set(hash, 0);
      blob.set(signature, 4);
      return `${body}\n\u2014 ${keyName} ${toBase64(blob)}\n`;
    },
  };
}

export function formatVerifierKey(keyName: string, publicKey: Uint8Array): string {
  const hex = Array.from(keyHash(keyName, publicKey), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${keyName}+${hex}+${toBase64(new Uint8Array([ALG_ED25519, ...publicKey]))}`;
}

export interface VerifierKey {
  name: string;
  hash: Uint8Array;
  publicKey: Uint8Array;
}

export function parseVerifierKey(text: string): VerifierKey {
  // The name and the hash contain no '+'; the base64 key may.
  const match = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!match) throw new RangeError('a verifier key reads <name>+<hash>+<key>');
  const [, name, hashHex, keyB64] = match as unknown as [string, string, string, string];
  const raw = fromBase64(keyB64);
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new RangeError('only Ed25519 verifier keys are supported');
  const publicKey = raw.slice(1);
  const hash = keyHash(name, publicKey);
  const expected = Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
  if (expected !== hashHex.toLowerCase()) throw new RangeError('the verifier key hash does not match the key');
  return { name, hash, publicKey };
}

export type OpenedCheckpoint = Checkpoint & { note: string };

/**
 * Parses a signed checkpoint and checks its signature by the given key. Throws with the reason when
 * the note is malformed or carries no valid signature by that key.
 */
export function openCheckpoint(note: string, key: VerifierKey, expectedOrigin?: string): OpenedCheckpoint {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('checkpoint: no signature block');
  const body = note.slice(0, split + 1);
  const lines = body.split('\n');
  if (lines.length < 4) throw new Error('checkpoint: body needs origin, size and root');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (expectedOrigin !== undefined && origin !== expectedOrigin) {
    throw new Error(`checkpoint: origin ${origin} is not ${expectedOrigin}`);
  }
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error('checkpoint: malformed size');
  const size = Number(sizeText);
  const root = fromBase64(rootText);
  if (root.length !== 32) throw new Error('checkpoint: malformed root hash');
  const signatures = note.slice(split + 2).split('\n').filter((l) => l !== '');
  for (const line of signatures) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== key.name) continue;
    const blob = fromBase64(match[2]!);
    if (blob.length !== 68 || !equalHashes(blob.slice(0, 4), key.hash)) continue;
    if (ed25519.verify(blob.slice(4), encoder.encode(body), key.publicKey)) {
      return { origin, size, root, note };
    }
    throw new Error('checkpoint: the signature does not verify');
  }
  throw new Error(`checkpoint: no signature by key ${key.name}`);
}
