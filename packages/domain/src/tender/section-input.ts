import { z } from 'zod';
import { scoringMethodSchema } from './scoring';
import { TENDER_METHODS, TRANSACTION_TYPES } from './types';

const instant = z.iso.datetime({ offset: true, error: '时间格式应为 ISO 8601（含时区）/ use an ISO 8601 time with its offset' }).transform((v) => new Date(v));
/** Money in fen (分): whole, non-negative, within what a JavaScript number holds exactly. */
const fen = z
  .number({ error: '金额应为数字（分）/ amounts are numbers, in fen' })
  .int({ error: '金额应精确到分 / amounts are whole fen' })
  .min(0, { error: '金额不能为负 / amounts cannot be negative' })
  .max(Number.MAX_SAFE_INTEGER);

/**
 * Sealed-bid envelope suites (docs/envelope.md), chosen per section: the international suite, or the
 * GM/T suite for bidders whose certificates come from national-crypto (国密) CAs (DESIGN.md §4).
 */
export const ENVELOPE_SUITES = ['rsa-oaep-sha256/aes-256-gcm-stream', 'sm2/sm4-ctr-hmac-sm3-stream'] as const;
export type EnvelopeSuite = (typeof ENVELOPE_SUITES)[number];

export const sectionFieldsSchema = z.object({
  name: z.string().trim().min(2, { error: '标段名称至少 2 个字 / the section name needs at least 2 characters' }).max(200),
  estimatedPrice: fen.refine((v) => v > 0, { error: '估算价（预算）应大于 0 / the estimated price (budget) must be positive' }),
  bond: fen,
  bidValidityDays: z.number().int().min(30, { error: '投标有效期一般不少于 30 日 / the bid validity period is at least 30 days' }).max(365),
  scoringMethod: scoringMethodSchema,
  documentsFrom: instant,
  documentsUntil: instant,
  deadline: instant,
  listingFrom: instant.optional(),
  openingMode: z.enum(['bidderKey', 'bidderAndCustodians']).default('bidderKey'),
  custodianThreshold: z.number().int().min(2).max(9).optional(),
  custodianIds: z.array(z.uuid()).max(9).default([]),
  envelopeSuite: z.enum(ENVELOPE_SUITES, { error: '加密套件应为 RSA/AES 或 SM2/SM4 / the envelope suite is RSA/AES or SM2/SM4' }).default('rsa-oaep-sha256/aes-256-gcm-stream'),
});

export const createSectionSchema = z.object({
  project: z.object({
    name: z.string().trim().min(2, { error: '项目名称至少 2 个字 / the project name needs at least 2 characters' }).max(200),
    type: z.enum(TRANSACTION_TYPES),
    method: z.enum(TENDER_METHODS),
    /** The agency the tenderer commissions, if any (by organisation id). */
    agencyId: z.uuid().optional(),
    /** When an agency creates the project: the tenderer it acts for. */
    tendererId: z.uuid().optional(),
  }),
  section: sectionFieldsSchema,
});

export type CreateSectionInput = z.infer<typeof createSectionSchema>;
/** The same, as sent over the wire (times as ISO strings). */
export type CreateSectionRequest = z.input<typeof createSectionSchema>;
export type SectionFields = z.infer<typeof sectionFieldsSchema>;

/** What a tenderer publishes: the tender notice's text (rich text, sanitised on the server). */
export const publishSectionSchema = z.object({
  sectionId: z.uuid(),
  noticeTitle: z.string().trim().min(2).max(200),
  noticeHtml: z.string().min(1, { error: '请填写公告正文 / write the notice text' }).max(200_000),
});
