/**
 * One verdict on the whole trace log, reached in the browser against what this browser remembers:
 * the checkpoint key pinned in the build (VITE_CHECKPOINT_KEY) or on the first visit, and the last
 * checkpoint it verified. A log that no longer extends that checkpoint (fork), serves fewer entries
 * (shrink), signs an older head (rollback) or is signed by another key is named as such, and no
 * entry of it is shown as verified. The platform's word is never taken: it could serve a rewritten
 * history, re-signed by its own sequencer.
 *
 * The supervisor's viewer reads every entry and recomputes the roots (verifyLog, the code
 * `ggzy verify-log` runs); it also remembers a short prefix of each leaf hash, enough to pin a later
 * fork to its first index. The public /verify page, which may not read entries, checks an RFC 9162
 * consistency proof from the remembered checkpoint to the latest one.
 */
import { openCheckpoint, parseVerifierKey, type OpenedCheckpoint } from '@ggzy/audit/checkpoint';
import { fromHex, toHex, verifyConsistency } from '@ggzy/audit/merkle';
import { verifyLog, type LogSource, type Problem } from '@ggzy/audit/verify';
import { browserApi } from './api.browser';
import { apiErrorOf } from './errors';

const STORAGE_KEY = 'ggzy.traceLog.v1';
/** Hex characters of each leaf hash remembered: 32 bits, to name a fork's index (the root decides whether there is one). */
const PREFIX = 8;
const PAGE = 10_000;

export interface RememberedLog {
  /** The verifier key `<name>+<hash>+<key>` checkpoints must be signed by. */
  key: string;
  keySource: 'build' | 'first-visit';
  origin: string;
  pinnedAt: string;
  /** The last checkpoint this browser verified, or null before the first. */
  checkpoint: { size: number; root: string; verifiedAt: string } | null;
  /** PREFIX hex characters per leaf hash of [0, n), as verified by the supervisor's viewer. */
  leafPrefixes: string;
}

export type LogProblem = Pick<Problem, 'kind' | 'index' | 'range' | 'message'> & { size?: number };

interface VerdictBase {
  key: string;
  keySource: RememberedLog['keySource'];
  /** What this browser remembered before this check. */
  remembered: { size: number; root: string } | null;
}

export type LogVerdict =
  | ({ state: 'intact'; size: number; root: string | null; firstVisit: boolean } & VerdictBase)
  | ({ state: 'broken'; problems: LogProblem[] } & VerdictBase)
  | { state: 'error'; error: unknown };

/** What the checks read from the platform: public status and proofs, and (the supervisor's) entries. */
export interface LogEndpoint extends LogSource {
  status(): Promise<{ verifierKey: string; origin: string; sequenced: number; checkpoint: { note: string } | null }>;
  /** The consistency proof between the signed checkpoints of these sizes; null when either is not signed (any more). */
  consistencyProof(size1: number, size2: number): Promise<string[] | null>;
}

/** Where this browser keeps what it remembers (localStorage; the tests keep it in memory). */
export interface LogMemory {
  read(): string | null;
  write(text: string): void;
}

export interface CheckDependencies {
  endpoint: LogEndpoint;
  memory: LogMemory;
  /** A key pinned in the build, which wins over what was remembered. */
  buildKey?: string | undefined;
}

const browserMemory: LogMemory = {
  read: () => localStorage.getItem(STORAGE_KEY),
  write: (text) => localStorage.setItem(STORAGE_KEY, text),
};

function browserEndpoint(): LogEndpoint {
  const api = browserApi();
  return {
    status: () => api.log.status.query(),
    async checkpoints() {
      const notes: string[] = [];
      for (let from = 0; ; ) {
        const page = await api.log.checkpoints.query({ fromSize: from, limit: PAGE });
        notes.push(...page.map((c) => c.note));
        if (page.length < PAGE) return notes;
        from = page.at(-1)!.size + 1;
      }
    },
    entries: (fromSeq, limit) => api.log.entries.query({ fromSeq, limit: Math.min(limit, PAGE) }),
    async consistencyProof(size1, size2) {
      try {
        return (await api.log.consistencyProof.query({ size1, size2 })).proof;
      } catch (error) {
        if (apiErrorOf(error)?.code === 'NOT_FOUND') return null;
        throw error;
      }
    },
  };
}

function browserDependencies(): CheckDependencies {
  const key = import.meta.env.VITE_CHECKPOINT_KEY?.trim();
  return { endpoint: browserEndpoint(), memory: browserMemory, buildKey: key ? key : undefined };
}

export function loadRemembered(memory: LogMemory = browserMemory): RememberedLog | null {
  try {
    const raw = memory.read();
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<RememberedLog>;
    if (typeof value.key !== 'string' || typeof value.origin !== 'string') return null;
    return {
      key: value.key,
      keySource: value.keySource === 'build' ? 'build' : 'first-visit',
      origin: value.origin,
      pinnedAt: typeof value.pinnedAt === 'string' ? value.pinnedAt : new Date().toISOString(),
      checkpoint:
        value.checkpoint && Number.isSafeInteger(value.checkpoint.size) && typeof value.checkpoint.root === 'string' ? value.checkpoint : null,
      leafPrefixes: typeof value.leafPrefixes === 'string' ? value.leafPrefixes : '',
    };
  } catch {
    return null;
  }
}

function saveRemembered(memory: LogMemory, log: RememberedLog): void {
  try {
    memory.write(JSON.stringify(log));
  } catch {
    // Past the storage quota: keep the checkpoint, which detects a fork, without the prefixes that name its index.
    try {
      memory.write(JSON.stringify({ ...log, leafPrefixes: '' }));
    } catch {
      // Storage refused altogether (private mode): the verdict holds for this visit only.
    }
  }
}

/** The pinned key: the build's, else the one remembered, else (first visit) the one the platform shows now. */
function pinnedLog(deps: CheckDependencies, status: { verifierKey: string; origin: string }): { log: RememberedLog; firstVisit: boolean } {
  const stored = loadRemembered(deps.memory);
  const fromBuild = deps.buildKey;
  if (stored && (!fromBuild || stored.key === fromBuild)) return { log: stored, firstVisit: false };
  const log: RememberedLog = {
    key: fromBuild ?? status.verifierKey,
    keySource: fromBuild ? 'build' : 'first-visit',
    origin: stored?.origin ?? status.origin,
    pinnedAt: new Date().toISOString(),
    checkpoint: stored?.checkpoint ?? null,
    leafPrefixes: stored?.leafPrefixes ?? '',
  };
  // Trust on first use: the key is pinned now, whatever this check finds.
  saveRemembered(deps.memory, log);
  return { log, firstVisit: !stored };
}

function base(log: RememberedLog): VerdictBase {
  return { key: log.key, keySource: log.keySource, remembered: log.checkpoint ? { size: log.checkpoint.size, root: log.checkpoint.root } : null };
}

function remember(memory: LogMemory, log: RememberedLog, size: number, root: string | null, leafHashes?: readonly string[]): void {
  if (root === null) return;
  const prefixes = leafHashes ? leafHashes.map((h) => h.slice(0, PREFIX)).join('') : log.leafPrefixes;
  saveRemembered(memory, { ...log, checkpoint: { size, root, verifiedAt: new Date().toISOString() }, leafPrefixes: prefixes });
}

/** The first index below `limit` whose leaf hash differs from the remembered prefix. */
export function firstDifference(prefixes: string, leafHashes: readonly string[], limit: number): number | undefined {
  const n = Math.min(limit, Math.floor(prefixes.length / PREFIX), leafHashes.length);
  for (let i = 0; i < n; i++) {
    if (leafHashes[i]!.slice(0, PREFIX) !== prefixes.slice(i * PREFIX, (i + 1) * PREFIX)) return i;
  }
  return undefined;
}

/** The supervisor's check: every entry, every checkpoint, against the remembered checkpoint. */
export async function checkWholeLog(deps: CheckDependencies = browserDependencies()): Promise<LogVerdict> {
  try {
    const source = deps.endpoint;
    const status = await source.status();
    const { log, firstVisit } = pinnedLog(deps, status);
    const previous = log.checkpoint ? { size: log.checkpoint.size, root: log.checkpoint.root } : undefined;
    const report = await verifyLog(source, {
      key: parseVerifierKey(log.key),
      origin: log.origin,
      pageSize: PAGE,
      collectLeafHashes: true,
      ...(previous ? { previous } : {}),
    });
    if (report.ok) {
      remember(deps.memory, log, report.size, report.root, report.leafHashes);
      return { state: 'intact', size: report.size, root: report.root, firstVisit, ...base(log) };
    }
    const problems: LogProblem[] = report.problems.map((problem) => {
      if (problem.kind !== 'fork' || problem.index !== undefined || !previous) return previous ? { ...problem, size: previous.size } : problem;
      const index = firstDifference(log.leafPrefixes, report.leafHashes ?? [], previous.size);
      if (index === undefined) return { ...problem, size: previous.size };
      const { range: _range, ...named } = problem;
      return { ...named, index, size: previous.size };
    });
    return { state: 'broken', problems, ...base(log) };
  } catch (error) {
    return { state: 'error', error };
  }
}

/** The public check: the latest checkpoint's signature, and a consistency proof from the remembered one. */
export async function checkLatestCheckpoint(deps: CheckDependencies = browserDependencies()): Promise<LogVerdict> {
  try {
    const status = await deps.endpoint.status();
    const { log, firstVisit } = pinnedLog(deps, status);
    const prev = log.checkpoint;
    const problems: LogProblem[] = [];
    const broken = (): LogVerdict => ({ state: 'broken', problems, ...base(log) });

    if (prev && status.sequenced < prev.size) {
      problems.push({ kind: 'shrink', index: status.sequenced, size: prev.size, message: `the log now ends at entry ${status.sequenced}` });
    }
    if (!status.checkpoint) {
      if (prev && prev.size > 0) problems.push({ kind: 'rollback', index: 0, size: prev.size, message: 'no signed checkpoint any more' });
      if (problems.length > 0) return broken();
      return { state: 'intact', size: 0, root: null, firstVisit, ...base(log) };
    }
    let latest: OpenedCheckpoint;
    try {
      latest = openCheckpoint(status.checkpoint.note, parseVerifierKey(log.key), log.origin);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      problems.push({ kind: /no signature by key/.test(message) ? 'wrong-key' : 'checkpoint-signature', message });
      return broken();
    }
    const root = toHex(latest.root);
    if (prev && prev.size > 0) {
      if (latest.size < prev.size) {
        problems.push({ kind: 'rollback', index: latest.size, size: prev.size, message: `the latest checkpoint has size ${latest.size}` });
      } else if (latest.size === prev.size) {
        if (root !== prev.root) problems.push({ kind: 'fork', size: prev.size, message: 'another root at the remembered size' });
      } else {
        // The log served now must extend what this browser remembered: a consistency proof from the remembered size (with or without a checkpoint of its own) to the latest.
        const proof = await deps.endpoint.consistencyProof(prev.size, latest.size);
        const consistent = proof !== null && verifyConsistency(prev.size, latest.size, fromHex(prev.root), latest.root, proof.map(fromHex));
        if (!consistent) problems.push({ kind: 'fork', size: prev.size, message: 'no consistency proof from the remembered checkpoint' });
      }
    }
    if (problems.length > 0) return broken();
    remember(deps.memory, log, latest.size, root);
    return { state: 'intact', size: latest.size, root, firstVisit, ...base(log) };
  } catch (error) {
    return { state: 'error', error };
  }
}
