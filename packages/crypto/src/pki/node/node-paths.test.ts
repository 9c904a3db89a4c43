/**
 * The server's OpenSSL paths (`@ggzy/crypto/node`) answer exactly as the portable ones: every test
 * of validate.test.ts and sm2.test.ts runs again here with `validateCertificate`, `verifyMessage`
 * and `verifyChallenge` replaced by a wrapper that asks the portable function, the Node function
 * (cold) and the Node function again (its kept analysis), and fails unless all three agree: the same
 * facts, or the same CertificateError code and message.
 */
import { describe, expect, it, vi } from 'vitest';

const use = vi.hoisted(() => ({
  validate: undefined as unknown as (options: unknown) => unknown,
  verifyMessage: undefined as unknown as (...args: unknown[]) => unknown,
  verifyChallenge: undefined as unknown as (...args: unknown[]) => unknown,
}));

vi.mock('../validate', async (importOriginal) => {
  const original = await importOriginal<typeof import('../validate')>();
  return { ...original, portableValidateCertificate: original.validateCertificate, validateCertificate: (options: unknown) => use.validate(options) };
});
vi.mock('../challenge', async (importOriginal) => {
  const original = await importOriginal<typeof import('../challenge')>();
  return {
    ...original,
    portableVerifyMessage: original.verifyMessage,
    portableVerifyChallenge: original.verifyChallenge,
    verifyMessage: (...args: unknown[]) => use.verifyMessage(...args),
    verifyChallenge: (...args: unknown[]) => use.verifyChallenge(...args),
  };
});

import * as challenge from '../challenge';
import { CertificateError } from '../errors';
import * as validate from '../validate';
import { createCertificateValidator } from './validate';
import { verifyChallengeNode, verifyMessageNode } from './verify';

type Outcome = { ok: unknown } | { error: unknown };

function outcomeOf(run: () => unknown): Outcome {
  try {
    return { ok: run() };
  } catch (error) {
    return { error };
  }
}

function describeOutcome(o: Outcome): unknown {
  if ('ok' in o) return { ok: o.ok };
  const e = o.error;
  return e instanceof CertificateError ? { code: e.code, message: e.message } : { other: String(e) };
}

/** Runs every implementation; throws unless they agree; answers as the first Node run did. */
function agreeing(runs: Array<() => unknown>): unknown {
  const outcomes = runs.map(outcomeOf);
  const [reference, ...others] = outcomes.map(describeOutcome);
  for (const other of others) {
    // Deep equality through JSON (Dates, Uint8Arrays and errors described the same way).
    const a = JSON.stringify(reference, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    const b = JSON.stringify(other, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    if (a !== b) throw new Error(`the Node path disagrees with the portable one:\n  portable ${a}\n  node     ${b}`);
  }
  const node = outcomes[1]!;
  if ('error' in node) throw node.error;
  return node.ok;
}

const calls = { validate: 0, verify: 0 };
const validator = createCertificateValidator();
const portable = validate as unknown as { portableValidateCertificate: typeof validate.validateCertificate };
use.validate = (options) => {
  const o = options as validate.ValidateCertificateOptions;
  calls.validate++;
  return agreeing([() => portable.portableValidateCertificate(o), () => validator(o), () => validator(o)]);
};
const portableChallenge = challenge as unknown as {
  portableVerifyMessage: typeof challenge.verifyMessage;
  portableVerifyChallenge: typeof challenge.verifyChallenge;
};
use.verifyMessage = (...args) => {
  const a = args as Parameters<typeof challenge.verifyMessage>;
  calls.verify++;
  return agreeing([() => portableChallenge.portableVerifyMessage(...a), () => verifyMessageNode(...a), () => verifyMessageNode(...a)]);
};
use.verifyChallenge = (...args) => {
  const a = args as Parameters<typeof challenge.verifyChallenge>;
  calls.verify++;
  return agreeing([() => portableChallenge.portableVerifyChallenge(...a), () => verifyChallengeNode(...a), () => verifyChallengeNode(...a)]);
};

await import('../validate.test');
await import('../sm2.test');

describe('the Node paths', () => {
  it('were the ones the tests above went through', () => {
    expect(calls.validate).toBeGreaterThan(20);
    expect(calls.verify).toBeGreaterThan(3);
  });
});
