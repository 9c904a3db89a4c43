import { probeDatabase } from '@ggzy/db';
import { probeS3 } from '@ggzy/storage';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiConfig } from './config';

/** A setting that points at something unusable: one line to print (Chinese, then English) and the error behind it. */
export interface BootProblem {
  line: string;
  setting: string;
  error: unknown;
}

export interface BootCheckOptions {
  /** How long each service gets to answer; a few seconds, so a wrong address fails fast. */
  timeoutMs?: number;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : (error as Error | null)?.name ?? 'error';
}

/** host:port, user and database of a postgres:// URL, never the password. */
function describeDatabaseUrl(url: string): { where: string; user: string; database: string } {
  try {
    const u = new URL(url);
    return {
      where: `${u.hostname}:${u.port || '5432'}`,
      user: decodeURIComponent(u.username) || '(default)',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || '(default)',
    };
  } catch {
    return { where: '(unparsable URL)', user: '?', database: '?' };
  }
}

async function checkFolder(dir: string, setting: string): Promise<BootProblem | null> {
  const probe = join(dir, `.boot-check-${randomUUID()}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, 'ok', { flag: 'wx' });
    await rm(probe, { force: true });
    return null;
  } catch (error) {
    return {
      setting,
      error,
      line: `文件夹 ${dir} 无法写入（${codeOf(error)}），请检查 ${setting} / The folder ${dir} is not writable (${codeOf(error)}): check ${setting}`,
    };
  }
}

async function checkDatabase(url: string, timeoutMs: number): Promise<BootProblem | null> {
  const result = await probeDatabase(url, { timeoutSeconds: Math.max(1, Math.round(timeoutMs / 1000)) });
  if (result.ok) return null;
  const { where, user, database } = describeDatabaseUrl(url);
  const code = codeOf(result.error);
  const setting = 'DATABASE_URL';
  switch (result.failure) {
    case 'unreachable':
      return { setting, error: result.error, line: `无法连接数据库 ${where}（${code}），请检查 DATABASE_URL 中的主机和端口 / Cannot reach the database at ${where} (${code}): check the host and port in DATABASE_URL` };
    case 'login-refused':
      return { setting, error: result.error, line: `数据库 ${where} 拒绝了用户 ${user} 的登录，请检查 DATABASE_URL 中的用户名和密码 / The database at ${where} refused the login of user ${user}: check the user and password in DATABASE_URL` };
    case 'database-missing':
      return { setting, error: result.error, line: `数据库 ${database} 在 ${where} 上不存在，请先创建或修正 DATABASE_URL / The database ${database} does not exist on ${where}: create it or fix DATABASE_URL` };
    default:
      return { setting, error: result.error, line: `数据库 ${where} 检查失败（${code}），请检查 DATABASE_URL / The database check at ${where} failed (${code}): check DATABASE_URL` };
  }
}

async function checkS3(storage: Extract<ApiConfig['storage'], { kind: 's3' }>, timeoutMs: number): Promise<BootProblem | null> {
  const result = await probeS3(storage, { timeoutMs });
  if (result.ok) return null;
  const where = storage.endPoint;
  const code = codeOf(result.error);
  switch (result.failure) {
    case 'unreachable':
      return { setting: 'S3_ENDPOINT', error: result.error, line: `无法连接对象存储 ${where}（${code}），请检查 S3_ENDPOINT / Cannot reach the object store at ${where} (${code}): check S3_ENDPOINT` };
    case 'credentials-refused':
      return { setting: 'S3_ACCESS_KEY', error: result.error, line: `对象存储 ${where} 拒绝了访问密钥（${code}），请检查 S3_ACCESS_KEY 和 S3_SECRET_KEY / The object store at ${where} refused the credentials (${code}): check S3_ACCESS_KEY and S3_SECRET_KEY` };
    case 'bucket-missing':
      return {
        setting: 'S3_BUCKET',
        error: result.error,
        line:
          `存储桶 ${storage.bucket} 在 ${where} 上不存在，请先创建${storage.objectLock ? '（启用对象锁定）' : ''}或修正 S3_BUCKET / ` +
          `The bucket ${storage.bucket} does not exist on ${where}: create it${storage.objectLock ? ' with object lock enabled' : ''} or fix S3_BUCKET`,
      };
    default:
      return { setting: 'S3_ENDPOINT', error: result.error, line: `对象存储 ${where} 检查失败（${code}），请检查 S3_ENDPOINT 和 S3_BUCKET / The object store check at ${where} failed (${code}): check S3_ENDPOINT and S3_BUCKET` };
  }
}

/**
 * Run once before the server listens: every address and credential in the configuration is tried,
 * so a wrong one stops the boot with one line naming the setting, not a stack trace later.
 * Returns the first problem found, or null.
 */
export async function checkBoot(config: ApiConfig, options: BootCheckOptions = {}): Promise<BootProblem | null> {
  const timeoutMs = options.timeoutMs ?? 5000;
  // Keys (and, embedded, the database and the objects) live in DATA_DIR whatever the backends.
  const folders: [string, string][] = [[config.dataDir, 'DATA_DIR'], [config.uploadDir, 'UPLOAD_DIR']];
  for (const [dir, setting] of folders) {
    const problem = await checkFolder(dir, setting);
    if (problem) return problem;
  }
  if (config.database.kind === 'postgres') {
    const problem = await checkDatabase(config.database.url, timeoutMs);
    if (problem) return problem;
  }
  if (config.storage.kind === 's3') {
    const problem = await checkS3(config.storage, timeoutMs);
    if (problem) return problem;
  } else {
    const problem = await checkFolder(config.storage.dir, 'DATA_DIR');
    if (problem) return problem;
  }
  return null;
}
