import { parseVerifierKey, verifyLog, type VerifyReport } from '@ggzy/audit';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connect, logSource } from './http-source';

export interface VerifyLogOptions {
  url: string;
  username: string;
  password: string;
  /** The verifier key to trust. Absent: the stored one from `state`, else the platform's (trust on first use). */
  key?: string | undefined;
  /** A file remembering the key and the last verified checkpoint, so a later run detects a rollback. */
  state?: string | undefined;
  pageSize?: number;
}

interface State {
  url: string;
  key: string;
  size: number;
  root: string;
}

export interface VerifyLogResult {
  report: VerifyReport;
  key: string;
  keySource: 'given' | 'state' | 'platform';
}

async function readState(file: string | undefined): Promise<State | null> {
  if (!file) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as State;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`状态文件无法读取 / cannot read the state file ${file}: ${(error as Error).message}`);
  }
}

/** Fetches the checkpoints and entries of a running platform and verifies them offline. */
export async function verifyRemoteLog(options: VerifyLogOptions): Promise<VerifyLogResult> {
  const client = connect(options.url);
  const state = await readState(options.state);
  const status = await client.log.status.query();
  const keySource = options.key ? 'given' : state ? 'state' : 'platform';
  const key = options.key ?? state?.key ?? status.verifierKey;
  if (key !== status.verifierKey) {
    // Not fatal by itself: the checkpoints decide. But a platform that now presents another key is news.
    process.stderr.write(`! 平台公布的验证密钥与所信任的不同 / the platform presents a different verifier key than the one trusted\n`);
  }
  await client.auth.login.mutate({ username: options.username, password: options.password });
  const report = await verifyLog(logSource(client, options.pageSize), {
    key: parseVerifierKey(key),
    origin: parseVerifierKey(key).name,
    ...(state ? { previous: { size: state.size, root: state.root } } : {}),
  });
  await client.auth.logout.mutate().catch(() => {});
  if (options.state && report.ok && report.root) {
    await mkdir(dirname(options.state), { recursive: true });
    await writeFile(options.state, JSON.stringify({ url: options.url, key, size: report.size, root: report.root } satisfies State, null, 2));
  }
  return { report, key, keySource };
}

export function formatReport({ report, key, keySource }: VerifyLogResult): string {
  const lines: string[] = [];
  if (keySource === 'platform') {
    lines.push(`! 使用平台提供的验证密钥（首次信任）；请用 --key 固定 / trusting the key the platform serves (first use); pin it with --key`);
  }
  lines.push(`  key: ${key}`);
  if (report.ok) {
    lines.push(
      `✓ 追溯日志完整：已核验 ${report.entriesChecked} 条记录、${report.checkpointsChecked} 个签名检查点 / trace log intact: ${report.entriesChecked} entries and ${report.checkpointsChecked} signed checkpoints verified`,
      `  size ${report.size}, root ${report.root ?? '(empty)'}`,
    );
  } else {
    lines.push(`✗ 追溯日志被篡改：发现 ${report.problems.length} 处问题 / trace log tampered with: ${report.problems.length} problem(s)`);
    for (const problem of report.problems) {
      const where = problem.index !== undefined ? `entry ${problem.index}` : problem.range ? `entries ${problem.range[0]}–${problem.range[1]}` : 'log';
      lines.push(`  [${problem.kind}] ${where}: ${problem.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
