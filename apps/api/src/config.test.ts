import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a configuration error');
};

describe('configuration, validated once at boot', () => {
  it('defaults to the embedded database and disk store with demo data', () => {
    const config = loadConfig({ DATA_DIR: '/tmp/ggzy-x' });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: '/tmp/ggzy-x/pglite' });
    expect(config.storage).toEqual({ kind: 'disk', dir: '/tmp/ggzy-x/objects' });
    expect(config.seedDemo).toBe(true);
    expect(config.port).toBe(3001);
  });

  it('switches to PostgreSQL and S3 by configuration', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ggzy',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY: 'minio',
      S3_SECRET_KEY: 'minio-secret',
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/ggzy' });
    expect(config.storage).toMatchObject({ kind: 's3', endPoint: 'http://127.0.0.1:9000', bucket: 'ggzy' });
    expect(config.seedDemo).toBe(false);
  });

  it('names each wrong value with a message in Chinese and English', () => {
    const problems = problemsOf({
      API_PORT: '70000',
      DATABASE_URL: 'mysql://root@localhost/x',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_BUCKET: 'Bad_Bucket',
      SEED_DEMO: 'maybe',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^API_PORT: 端口号应在 1–65535 之间 \/ must be between 1 and 65535$/),
        expect.stringMatching(/^DATABASE_URL: .*postgres:\/\//),
        expect.stringMatching(/^S3_BUCKET: 存储桶名/),
        expect.stringMatching(/^SEED_DEMO: 应为 true 或 false/),
      ]),
    );
  });

  it('needs the S3 keys with an S3 endpoint', () => {
    expect(problemsOf({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toEqual([expect.stringMatching(/^S3_ACCESS_KEY: .*S3_SECRET_KEY/)]);
  });

  it('requires the checkpoint and receipt keys outside the database in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^CHECKPOINT_KEY: /), expect.stringMatching(/^RECEIPT_KEY: /)]);
    expect(problemsOf({ CHECKPOINT_KEY: 'c2hvcnQ=' })).toEqual([expect.stringMatching(/32-byte/)]);
  });
});
