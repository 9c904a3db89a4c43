/**
 * The signed submit and withdrawal messages (docs/sealed-bids.md §5). The bidder signs the exact
 * text, which must be the RFC 8785 canonical JSON of the object: the server stores that text as
 * evidence, and anyone can rebuild it from the fields.
 */
import canonicalize from 'canonicalize';
import { AppError } from '@ggzy/domain';
import { z } from 'zod';

export const SUBMIT_CONTEXT = 'ggzy-bid-submit/v1';
export const WITHDRAW_CONTEXT = 'ggzy-bid-withdraw/v1';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const submitMessageSchema = z.strictObject({
  type: z.literal(SUBMIT_CONTEXT),
  sectionId: z.uuid(),
  organisationId: z.uuid(),
  uploadId: z.string().min(1).max(100),
  ciphertextSha256: sha256Hex,
  envelopeBytes: z.number().int().positive(),
});

export const withdrawMessageSchema = z.strictObject({
  type: z.literal(WITHDRAW_CONTEXT),
  sectionId: z.uuid(),
  organisationId: z.uuid(),
  /** Random, so that every withdrawal is a message of its own (and a replay of one is recognised). */
  nonce: z.string().regex(/^[A-Za-z0-9+/]{16,128}={0,2}$/),
});

export type SubmitMessage = z.infer<typeof submitMessageSchema>;
export type WithdrawMessage = z.infer<typeof withdrawMessageSchema>;

/** Parses the signed text; refuses anything that is not exactly the canonical form of a valid message. */
export function parseSignedMessage<T>(text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_INPUT', { zh: '签名的消息不是 JSON', en: 'The signed message is not JSON' }, { reason: 'not-json' });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(message)';
    throw new AppError(
      'INVALID_INPUT',
      { zh: `签名的消息格式不对（${where}）`, en: `The signed message is malformed (${where}: ${issue?.message ?? 'invalid'})` },
      { reason: 'malformed-message', field: where },
    );
  }
  if (canonicalize(value) !== text) {
    throw new AppError(
      'INVALID_INPUT',
      { zh: '签名的消息应为规范化 JSON（RFC 8785）', en: 'The signed message must be canonical JSON (RFC 8785)' },
      { reason: 'not-canonical' },
    );
  }
  return parsed.data;
}
