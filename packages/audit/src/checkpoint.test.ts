import { describe, expect, it } from 'vitest';
import { createCheckpointSigner, openCheckpoint, parseVerifierKey } from './checkpoint';
import { EMPTY_ROOT, hashLeaf } from './merkle';

const seed = new Uint8Array(32).fill(7);
const signer = createCheckpointSigner({ origin: 'ggzy.test/trace-log', seed });
const key = parseVerifierKey(signer.verifierKey);

describe('signed checkpoints (C2SP tlog-checkpoint, Ed25519 signed note)', () => {
  it('writes the standard layout and opens with the verifier key', () => {
    const root = hashLeaf(new Uint8Array([1, 2, 3]));
    const note = signer.sign(42, root);
    const lines = note.split('\n');
    expect(lines[0]).toBe('ggzy.test/trace-log');
    expect(lines[1]).toBe('42');
    expect(lines[3]).toBe('');
    expect(lines[4]).toMatch(/^\u2014 ggzy\.test\/trace-log [A-Za-z0-9+/=]+$/);
    const opened = openCheckpoint(note, key, 'ggzy.test/trace-log');
    expect(opened.size).toBe(42);
    expect(opened.root).toEqual(root);
  });

  it('refuses a changed size, a changed root, another origin or another key', () => {
    const note = signer.sign(5, EMPTY_ROOT);
    expect(() => openCheckpoint(note.replace('\n5\n', '\n6\n'), key)).toThrow(/signature does not verify/);
    const otherRoot = note.replace(/^(.*\n.*\n)(.)/, (_, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
    expect(() => openCheckpoint(otherRoot, key)).toThrow(/signature does not verify|malformed root/);
    expect(() => openCheckpoint(note, key, 'elsewhere/log')).toThrow(/origin/);
    const stranger = createCheckpointSigner({ origin: 'ggzy.test/trace-log', seed: new Uint8Array(32).fill(9) });
    expect(() => openCheckpoint(stranger.sign(5, EMPTY_ROOT), key)).toThrow(/no signature by key|does not verify/);
  });

  it('parses verifier keys whose base64 contains "+"', () => {
    for (let i = 0; i < 20; i++) {
      const s = createCheckpointSigner({ origin: 'ggzy.test/trace-log', seed: new Uint8Array(32).fill(i) });
      expect(parseVerifierKey(s.verifierKey).publicKey).toEqual(s.publicKey);
    }
  });

  it('rejects a verifier key whose hash does not match its public key', () => {
    const [name, , ...k] = signer.verifierKey.split('+');
    expect(() => parseVerifierKey(`${name}+00000000+${k.join('+')}`)).toThrow(/does not match/);
  });
});
