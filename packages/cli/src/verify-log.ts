/**
 * `ggzy verify-log` (docs/trace-log.md): fetches a running platform's checkpoints and entries and
 * verifies them offline. With `--state`, it remembers what it verified (the size, the root and the
 * leaf hash of every entry under it, and the pinned checkpoint key), and each later run checks that
 * the log served now still extends that: a history rewritten and re-signed by the platform's own
 * sequencer is a fork, named by the first index that differs; a shorter log is a shrink; an older
 * latest checkpoint a rollback. The state is only updated when the log is intact.
 */
import { parseVerifierKey, verifyLog, type ProblemKind, type RememberedCheckpoint, type VerifyReport } from '@ggzy/audit';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CliError } from './errors';
import { connect, logSource } from './http-source';

export interface VerifyLogOptions {
  url: string;
  username: string;
  password: string;
  /** The verifier key to trust. Absent: the stored one from `state`, else the platform's (trust on first use). */
  key?: string | undefined;
  /** A file remembering the key and the last verified checkpoint, so a later run detects a fork, shrink or rollback. */
  state?: string | undefined;
  pageSize?: number;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/**
 * The state file. Version 2 adds the leaf hashes of [0, size), base64 of their concatenated 32-byte
 * values (44 bytes of file per entry), so a fork is named by its first index. A version-1 file (size
 * and root only) is still read: a fork is then reported over the whole remembered range.
 */
const stateSchema = z.object({
  version: z.literal(2).optional(),
  url: z.string(),
  key: z.string(),
  size: z.number().int().nonnegative(),
  root: hex64,
  leafHashes: z.string().optional(),
});
type State = z.infer<typeof stateSchema>;

export interface VerifyLogResult {
  report: VerifyReport;
  key: string;
  keySource: 'given' | 'state' | 'platform';
  /** What was remembered before this run (from `--state`), if anything. */
  previous?: { size: number; root: string } | undefined;
  /** Whether the state file was written by this run (only when the log is intact). */
  stateUpdated: boolean;
}

/** Exit codes of `ggzy verify-log` (docs/trace-log.md). */
export const EXIT = {
  intact: 0,
  /** The log disagrees with its own signed checkpoints: entries edited, deleted, inserted or moved. */
  tampered: 1,
  /** The command could not run (usage, connection, permission, unreadable state). */
  error: 2,
  /** The log no longer extends the checkpoint remembered in the state: fork, shrink or rollback. */
  history: 3,
  /** A checkpoint is signed by another key than the pinned one. */
  wrongKey: 4,
} as const;

const HISTORY: ReadonlySet<ProblemKind> = new Set(['fork', 'shrink', 'rollback']);

export function exitCodeOf(report: VerifyReport): number {
  if (report.ok) return EXIT.intact;
  const kinds = new Set(report.problems.map((p) => p.kind));
  if (kinds.has('wrong-key')) return EXIT.wrongKey;
  if ([...kinds].some((k) => HISTORY.has(k))) return EXIT.history;
  return EXIT.tampered;
}

function encodeLeafHashes(hashes: readonly string[]): string {
  return Buffer.from(hashes.join(''), 'hex').toString('base64');
}

function decodeLeafHashes(encoded: string, size: number, file: string): string[] {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== size * 32) {
    throw new CliError(`状态文件中的叶哈希数目不对 / the state file ${file} holds ${bytes.length / 32} leaf hashes for size ${size}`);
  }
  const hashes: string[] = [];
  for (let i = 0; i < size; i++) hashes.push(bytes.subarray(i * 32, i * 32 + 32).toString('hex'));
  return hashes;
}

async function readState(file: string | undefined): Promise<State | null> {
  if (!file) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`状态文件无法读取 / cannot read the state file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`状态文件不是 JSON / the state file ${file} is not JSON`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`状态文件格式不对（${parsed.error.issues[0]!.path.join('.')}）/ the state file ${file} is malformed (${parsed.error.issues[0]!.path.join('.')})`);
  }
  return parsed.data;
}

async function writeState(file: string, state: State): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Written aside and renamed: a run cut off halfway never leaves a half-written memory.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** Fetches the checkpoints and entries of a running platform and verifies them offline. */
export async function verifyRemoteLog(options: VerifyLogOptions): Promise<VerifyLogResult> {
  const client = connect(options.url);
  const state = await readState(options.state);
  if (state && state.url !== options.url) {
    process.stderr.write(`! 状态文件记录的是另一地址（${state.url}）/ the state file was written for another address (${state.url})\n`);
  }
  const status = await client.log.status.query();
  const keySource = options.key ? 'given' : state ? 'state' : 'platform';
  const key = options.key ?? state?.key ?? status.verifierKey;
  if (key !== status.verifierKey) {
    // Not fatal by itself: the checkpoints decide. But a platform that now presents another key is news.
    process.stderr.write(`! 平台公布的验证密钥与所信任的不同 / the platform presents a different verifier key than the one trusted\n`);
  }
  const verifierKey = parseVerifierKey(key);
  const previous: RememberedCheckpoint | undefined = state
    ? { size: state.size, root: state.root, ...(state.leafHashes !== undefined ? { leafHashes: decodeLeafHashes(state.leafHashes, state.size, options.state!) } : {}) }
    : undefined;
  await client.auth.login.mutate({ username: options.username, password: options.password });
  let report: VerifyReport;
  try {
    report = await verifyLog(logSource(client, options.pageSize), {
      key: verifierKey,
      origin: verifierKey.name,
      ...(previous ? { previous } : {}),
      collectLeafHashes: options.state !== undefined,
    });
  } finally {
    await client.auth.logout.mutate().catch(() => {});
  }
  let stateUpdated = false;
  if (options.state && report.ok && report.root) {
    await writeState(options.state, {
      version: 2,
      url: options.url,
      key,
      size: report.size,
      root: report.root,
      leafHashes: encodeLeafHashes(report.leafHashes ?? []),
    });
    stateUpdated = true;
  }
  const { leafHashes: _omitted, ...shown } = report;
  return { report: shown, key, keySource, previous: previous ? { size: previous.size, root: previous.root } : undefined, stateUpdated };
}

/** What each problem means, in Chinese first (the verifier's own messages are in English). */
const KIND_ZH: Record<ProblemKind, string> = {
  'checkpoint-signature': '检查点签名无效',
  'checkpoint-conflict': '同一规模有两个不同的检查点',
  missing: '记录缺失（被删除）',
  duplicate: '记录重复或顺序被打乱',
  altered: '记录被改动',
  'root-mismatch': '记录与签名的根哈希不符',
  'wrong-key': '检查点由另一把密钥签名，而非所固定的密钥',
  fork: '分叉：日志的历史被改写，已不再延续上次核验的检查点',
  shrink: '缩短：上次核验过的记录已不在日志中',
  rollback: '回滚：最新的签名检查点早于上次核验的检查点',
};

export function formatReport({ report, key, keySource, previous, stateUpdated }: VerifyLogResult): string {
  const lines: string[] = [];
  if (keySource === 'platform') {
    lines.push(`! 使用平台提供的验证密钥（首次信任）；请用 --key 固定 / trusting the key the platform serves (first use); pin it with --key`);
  }
  lines.push(`  key: ${key}`);
  if (previous) lines.push(`  remembered: size ${previous.size}, root ${previous.root}`);
  if (report.ok) {
    lines.push(
      `✓ 追溯日志完整：已核验 ${report.entriesChecked} 条记录、${report.checkpointsChecked} 个签名检查点 / trace log intact: ${report.entriesChecked} entries and ${report.checkpointsChecked} signed checkpoints verified`,
      `  size ${report.size}, root ${report.root ?? '(empty)'}`,
    );
    if (previous) lines.push(`✓ 延续上次核验的检查点 / extends the checkpoint remembered (size ${previous.size})`);
  } else {
    const history = report.problems.filter((p) => HISTORY.has(p.kind));
    if (history.length > 0) {
      lines.push(
        `✗ 追溯日志的历史被改写：${history.map((p) => p.kind).join('、')} / the trace log's history was rewritten: ${history.map((p) => p.kind).join(', ')}`,
      );
    }
    lines.push(`✗ 追溯日志被篡改：发现 ${report.problems.length} 处问题 / trace log tampered with: ${report.problems.length} problem(s)`);
    for (const problem of report.problems) {
      const where = problem.index !== undefined ? `entry ${problem.index}` : problem.range ? `entries ${problem.range[0]}–${problem.range[1]}` : 'log';
      lines.push(`  [${problem.kind}] ${where}: ${KIND_ZH[problem.kind]} / ${problem.message}`);
    }
    if (previous) lines.push(`  状态文件未更新 / the state file was not updated`);
  }
  if (stateUpdated) lines.push(`  已记住此检查点 / remembered this checkpoint (size ${report.size})`);
  return `${lines.join('\n')}\n`;
}
