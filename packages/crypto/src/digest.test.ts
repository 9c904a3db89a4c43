import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, randomToken, sha256Hex } from './digest';

describe('isomorphic digests and tokens', () => {
  it('sha256Hex matches the FIPS 180-2 "abc" vector and Node’s own SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const data = new Uint8Array(1000).map((_, i) => i % 251);
    expect(sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('random tokens are 256-bit base64url and do not repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('compares tokens without short-circuiting on the first difference', () => {
    expect(constantTimeEqual('abcdef', 'abcdef')).toBe(true);
    expect(constantTimeEqual('abcdef', 'abcdeg')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
