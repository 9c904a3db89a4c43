import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: '应为 true 或 false / must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce
  .number({ error: '应为端口号 / must be a port number' })
  .int({ error: '应为整数端口号 / must be a whole port number' })
  .min(0, { error: '端口号应在 1–65535 之间 / must be between 1 and 65535' })
  .max(65535, { error: '端口号应在 1–65535 之间 / must be between 1 and 65535' });

/**
 * The API's configuration, from the environment, validated once at boot. Absent DATABASE_URL and
 * S3_ENDPOINT mean the embedded default: PGlite and objects in folders under DATA_DIR.
 */
const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    API_HOST: z.string().default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    API_PORT: port.default(3001),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, { error: '应为 postgres://用户@主机:端口/数据库 / must look like postgres://user@host:port/database' })
      .optional(),
    S3_ENDPOINT: z.url({ error: '应为 http(s):// 地址 / must be an http(s):// URL' }).optional(),
    S3_ACCESS_KEY: z.string().min(1).optional(),
    S3_SECRET_KEY: z.string().min(1).optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: '存储桶名应为 3–63 位小写字母、数字、点或横线 / must be 3–63 lowercase letters, digits, dots or dashes' })
      .default('ggzy'),
    S3_REGION: z.string().default('us-east-1'),
    S3_OBJECT_LOCK: bool.default(false),
    CHECKPOINT_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, { error: '应为 32 字节 Ed25519 种子的 base64 / must be the base64 of a 32-byte Ed25519 seed' })
      .optional(),
    /** The receipt signing key (Ed25519 seed); made in DATA_DIR/keys/receipt.key at first start when absent. */
    RECEIPT_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, { error: '应为 32 字节 Ed25519 种子的 base64 / must be the base64 of a 32-byte Ed25519 seed' })
      .optional(),
    /** Largest sealed bid accepted, in bytes (2 GiB by default). */
    MAX_ENVELOPE_BYTES: z.coerce.number().int().min(1024).max(2 ** 40).default(2 * 2 ** 30),
    LOG_ORIGIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, { error: '应形如 ggzy.example.cn/trace-log / must look like ggzy.example.cn/trace-log' })
      .default('ggzy.local/trace-log'),
    OCDS_PREFIX: z
      .string()
      .regex(/^ocds-[a-z0-9]{6}$/, { error: '应为开放合同数据标准分配的前缀，如 ocds-abc123 / must be an OCP-assigned prefix like ocds-abc123' })
      .default('ocds-ggzy01'),
    PUBLIC_URL: z.url({ error: '应为门户的公开地址 / must be the portal’s public URL' }).default('http://localhost:3000'),
    PORTAL_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
    SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(72).default(12),
    SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(120),
    SECURE_COOKIES: bool.optional(),
    TRUST_PROXY: z.enum(['none', 'loopback', 'all']).default('loopback'),
    SEED_DEMO: bool.optional(),
    SEQUENCER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
    SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** How often staged uploads of closed sections (and leftovers) are removed from UPLOAD_DIR. */
    STAGING_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(24 * 3600_000).default(5 * 60_000),
    /** The platform CA's key and certificate (PEM); made in DATA_DIR/keys at first start when absent. */
    CA_KEY_FILE: z.string().min(1).optional(),
    CA_CERT_FILE: z.string().min(1).optional(),
    /** The SM2 CA (for the GM/T suite), likewise. */
    SM2_CA_KEY_FILE: z.string().min(1).optional(),
    SM2_CA_CERT_FILE: z.string().min(1).optional(),
    /** External CA roots the deployment trusts (CA互认), comma-separated PEM files. */
    TRUSTED_CA_FILES: z.string().optional(),
    /** Where tus uploads are staged; several API processes must share it. */
    UPLOAD_DIR: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.SM2_CA_KEY_FILE) !== Boolean(env.SM2_CA_CERT_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.SM2_CA_KEY_FILE ? 'SM2_CA_CERT_FILE' : 'SM2_CA_KEY_FILE'],
        message: 'SM2_CA_KEY_FILE 与 SM2_CA_CERT_FILE 须同时设置 / set both SM2_CA_KEY_FILE and SM2_CA_CERT_FILE, or neither',
      });
    }
    if (Boolean(env.CA_KEY_FILE) !== Boolean(env.CA_CERT_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.CA_KEY_FILE ? 'CA_CERT_FILE' : 'CA_KEY_FILE'],
        message: 'CA_KEY_FILE 与 CA_CERT_FILE 须同时设置 / set both CA_KEY_FILE and CA_CERT_FILE, or neither',
      });
    }
    if (env.S3_ENDPOINT && (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_ACCESS_KEY'],
        message: '设置了 S3_ENDPOINT 时须同时设置 S3_ACCESS_KEY 和 S3_SECRET_KEY / S3_ENDPOINT needs S3_ACCESS_KEY and S3_SECRET_KEY',
      });
    }
    if (env.NODE_ENV === 'production' && !env.CHECKPOINT_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHECKPOINT_KEY'],
        message: '生产环境须提供检查点签名密钥 / production needs CHECKPOINT_KEY (keep it outside the database)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.RECEIPT_KEY) {
      // Several API processes must sign receipts with one key, so it cannot be a file each makes.
      ctx.addIssue({
        code: 'custom',
        path: ['RECEIPT_KEY'],
        message: '生产环境须提供回执签名密钥 / production needs RECEIPT_KEY (one key for every API process, outside the database)',
      });
    }
  });

export type ApiConfig = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One line, so that a log collector keeps it whole.
    super(`配置错误 / Configuration error: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // Empty strings (VAR= in a .env file) count as unset.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  const c = parsed.data;
  const dataDir = resolve(c.DATA_DIR);
  return {
    env: c.NODE_ENV,
    host: c.API_HOST,
    port: c.API_PORT,
    dataDir,
    database: c.DATABASE_URL ? { kind: 'postgres' as const, url: c.DATABASE_URL } : { kind: 'pglite' as const, dataDir: resolve(dataDir, 'pglite') },
    storage:
      c.S3_ENDPOINT && c.S3_ACCESS_KEY && c.S3_SECRET_KEY
        ? {
            kind: 's3' as const,
            endPoint: c.S3_ENDPOINT,
            accessKey: c.S3_ACCESS_KEY,
            secretKey: c.S3_SECRET_KEY,
            bucket: c.S3_BUCKET,
            region: c.S3_REGION,
            objectLock: c.S3_OBJECT_LOCK,
          }
        : { kind: 'disk' as const, dir: resolve(dataDir, 'objects') },
    checkpointKey: c.CHECKPOINT_KEY ? new Uint8Array(Buffer.from(c.CHECKPOINT_KEY, 'base64')) : null,
    checkpointKeyFile: resolve(dataDir, 'keys', 'checkpoint.key'),
    receiptKey: c.RECEIPT_KEY ? new Uint8Array(Buffer.from(c.RECEIPT_KEY, 'base64')) : null,
    receiptKeyFile: resolve(dataDir, 'keys', 'receipt.key'),
    maxEnvelopeBytes: c.MAX_ENVELOPE_BYTES,
    caKeyFile: resolve(c.CA_KEY_FILE ?? resolve(dataDir, 'keys', 'ca.key.pem')),
    caCertFile: resolve(c.CA_CERT_FILE ?? resolve(dataDir, 'keys', 'ca.cert.pem')),
    sm2CaKeyFile: resolve(c.SM2_CA_KEY_FILE ?? resolve(dataDir, 'keys', 'ca-sm2.key.pem')),
    sm2CaCertFile: resolve(c.SM2_CA_CERT_FILE ?? resolve(dataDir, 'keys', 'ca-sm2.cert.pem')),
    trustedCaFiles: (c.TRUSTED_CA_FILES ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => resolve(f)),
    uploadDir: resolve(c.UPLOAD_DIR ?? resolve(dataDir, 'uploads')),
    logOrigin: c.LOG_ORIGIN,
    ocidPrefix: c.OCDS_PREFIX,
    portalCacheSeconds: c.PORTAL_CACHE_SECONDS,
    publicUrl: c.PUBLIC_URL.replace(/\/$/, ''),
    sessionTtlHours: c.SESSION_TTL_HOURS,
    sessionIdleMinutes: c.SESSION_IDLE_MINUTES,
    secureCookies: c.SECURE_COOKIES ?? c.NODE_ENV === 'production',
    trustProxy: c.TRUST_PROXY,
    // Demo data by default only on the embedded database.
    seedDemo: c.SEED_DEMO ?? !c.DATABASE_URL,
    sequencerIntervalMs: c.SEQUENCER_INTERVAL_MS,
    schedulerIntervalMs: c.SCHEDULER_INTERVAL_MS,
    stagingSweepIntervalMs: c.STAGING_SWEEP_INTERVAL_MS,
    logLevel: c.LOG_LEVEL,
  };
}
