/**
 * The offline verifier of the trace log: given the signed checkpoints and the entries, it recomputes
 * every leaf hash from the entry's content and the tree root at every checkpoint size, and reports
 * each entry that was edited, deleted, inserted or moved, by index. Used by `ggzy verify-log`, the
 * tests and the benchmark; it trusts nothing the platform says except what the checkpoint key signed.
 */
import { openCheckpoint, type OpenedCheckpoint, type VerifierKey } from './checkpoint';
import { leafHashOfEntry, type TraceLeafEntry } from './leaf';
import { CompactTree, equalHashes, fromHex, toHex } from './merkle';

export interface LogSource {
  /** All signed checkpoint notes (any order). */
  checkpoints(): Promise<string[]>;
  /** Sequenced entries with seq in [fromSeq, fromSeq + limit), in seq order, with the stored leaf hash. */
  entries(fromSeq: number, limit: number): Promise<Array<TraceLeafEntry & { leafHash?: string }>>;
}

export type ProblemKind =
  | 'checkpoint-signature'
  | 'checkpoint-conflict'
  | 'missing'
  | 'duplicate'
  | 'altered'
  | 'root-mismatch'
  /** A checkpoint signed by a key other than the pinned one. */
  | 'wrong-key'
  /** The log at the remembered size no longer has the remembered root. */
  | 'fork'
  /** Fewer sequenced entries are served than were remembered. */
  | 'shrink'
  /** The latest signed checkpoint is smaller than the remembered one. */
  | 'rollback';

export interface Problem {
  kind: ProblemKind;
  /** The entry's index (seq) where the problem is pinned to one entry. */
  index?: number;
  /** For a root mismatch: the first and last index the changed entry can be at. */
  range?: [number, number];
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  size: number;
  root: string | null;
  entriesChecked: number;
  checkpointsChecked: number;
  problems: Problem[];
  /** With `collectLeafHashes`: the leaf hashes (hex) of [0, size), for a later run to name a fork's index. */
  leafHashes?: string[];
}

/** What a verifier remembers of an earlier run. */
export interface RememberedCheckpoint {
  size: number;
  root: string;
  /** The leaf hashes (hex) of [0, size) as verified then; lets a fork be pinned to its first index. */
  leafHashes?: readonly string[];
}

export interface VerifyOptions {
  key: VerifierKey;
  origin?: string;
  pageSize?: number;
  /** A checkpoint this verifier saw before (for example on its last run): the log must extend it. */
  previous?: RememberedCheckpoint;
  /** Return the verified leaf hashes in the report (to remember them). */
  collectLeafHashes?: boolean;
  /** Stop collecting after this many problems (the count of the rest is still reported). */
  maxProblems?: number;
}

export async function verifyLog(source: LogSource, options: VerifyOptions): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const maxProblems = options.maxProblems ?? 1000;
  let suppressed = 0;
  const report = (problem: Problem) => {
    if (problems.length < maxProblems) problems.push(problem);
    else suppressed++;
  };

  // 1. Checkpoints: each must carry a valid signature by the pinned key; one root per size.
  const bySize = new Map<number, OpenedCheckpoint>();
  for (const note of await source.checkpoints()) {
    let opened: OpenedCheckpoint;
    try {
      opened = openCheckpoint(note, options.key, options.origin);
    } catch (error) {
      const size = Number(note.split('\n')[1]);
      const wrongKey = /no signature by key/.test((error as Error).message);
      report({
        kind: wrongKey ? 'wrong-key' : 'checkpoint-signature',
        ...(Number.isFinite(size) ? { index: size - 1 } : {}),
        message: wrongKey
          ? `checkpoint ${note.split('\n')[1] ?? '?'} is signed by another key (${signerNames(note).join(', ') || 'none'}), not the pinned ${options.key.name}`
          : `checkpoint ${note.split('\n')[1] ?? '?'}: ${(error as Error).message}`,
      });
      continue;
    }
    const seen = bySize.get(opened.size);
    if (seen && !equalHashes(seen.root, opened.root)) {
      report({ kind: 'checkpoint-conflict', message: `two signed checkpoints of size ${opened.size} with different roots` });
    }
    bySize.set(opened.size, opened);
  }
  const checkpoints = [...bySize.values()].sort((a, b) => a.size - b.size);
  const size = checkpoints.at(-1)?.size ?? 0;

  // 2. Entries in order: recompute each leaf, extend the tree, compare roots at checkpoint sizes.
  const tree = new CompactTree();
  const pageSize = options.pageSize ?? 10_000;
  let expected = 0;
  let treeBroken = false;
  let checkpointCursor = 0;
  let lastGoodSize = 0;
  let checkpointsChecked = 0;
  let entriesChecked = 0;

  const checkRootsUpTo = (treeSize: number) => {
    while (checkpointCursor < checkpoints.length && checkpoints[checkpointCursor]!.size <= treeSize) {
      const checkpoint = checkpoints[checkpointCursor++]!;
      if (checkpoint.size === 0 || treeBroken) continue;
      if (checkpoint.size !== tree.size) continue;
      checkpointsChecked++;
      if (equalHashes(tree.root(), checkpoint.root)) {
        lastGoodSize = checkpoint.size;
      } else {
        report({
          kind: 'root-mismatch',
          range: [lastGoodSize, checkpoint.size - 1],
          message: `the entries do not produce the root signed for size ${checkpoint.size}: an entry between ${lastGoodSize} and ${checkpoint.size - 1} was changed, inserted or removed`,
        });
        treeBroken = true;
      }
    }
  };

  // The remembered checkpoint is checked against a second tree over what the entries say now (their
  // content, not the stored hashes), so a history rewritten and then re-signed by the platform's own
  // sequencer still differs at the remembered size.
  const prev = options.previous;
  const witness = new CompactTree();
  let witnessBroken = false;
  let firstDifference: number | undefined;
  const leafHashes: string[] | undefined = options.collectLeafHashes ? [] : undefined;
  const fetchEnd = Math.max(size, prev?.size ?? 0);
  let servedEnd = 0;

  for (let from = 0; from < fetchEnd; from += pageSize) {
    const page = await source.entries(from, Math.min(pageSize, fetchEnd - from));
    for (const entry of page) {
      if (entry.seq >= fetchEnd) break;
      if (entry.seq < expected) {
        report({ kind: 'duplicate', index: entry.seq, message: `entry ${entry.seq} appears more than once or out of order` });
        witnessBroken = true;
        continue;
      }
      if (entry.seq > expected) {
        for (let missing = expected; missing < Math.min(entry.seq, size); missing++) {
          report({ kind: 'missing', index: missing, message: `entry ${missing} is missing (deleted)` });
        }
        treeBroken = true;
        witnessBroken = true;
        if (prev && firstDifference === undefined && expected < prev.size) firstDifference = expected;
        expected = entry.seq;
      }
      servedEnd = entry.seq + 1;
      const computed = leafHashOfEntry(entry);
      const computedHex = toHex(computed);
      if (prev && entry.seq < prev.size) {
        if (!witnessBroken) witness.append(computed);
        const remembered = prev.leafHashes?.[entry.seq];
        if (firstDifference === undefined && remembered !== undefined && remembered !== computedHex) firstDifference = entry.seq;
      }
      leafHashes?.push(computedHex);
      expected = entry.seq + 1;
      if (entry.seq >= size) continue;
      entriesChecked++;
      let leaf = computed;
      if (entry.leafHash && entry.leafHash !== computedHex) {
        report({
          kind: 'altered',
          index: entry.seq,
          message: `entry ${entry.seq} does not match the leaf hash recorded when it was sequenced (edited, moved or replaced)`,
        });
        // The recorded hash is what the checkpoints signed if only the content was touched; using it
        // keeps later checkpoints checkable and confirms the recorded hash is genuine.
        leaf = fromHex(entry.leafHash);
      }
      if (!treeBroken) {
        tree.append(leaf);
        checkRootsUpTo(tree.size);
      }
    }
  }
  for (let missing = expected; missing < size; missing++) {
    report({ kind: 'missing', index: missing, message: `entry ${missing} is missing (deleted)` });
  }

  // 3. The log must extend what this verifier saw before: no fork, no shrink, no rollback.
  if (prev) {
    if (size < prev.size) {
      report({
        kind: 'rollback',
        index: size,
        message: `the latest signed checkpoint has size ${size}, older than the checkpoint of size ${prev.size} seen before`,
      });
    }
    if (servedEnd < prev.size) {
      report({
        kind: 'shrink',
        index: servedEnd,
        message: `the log now ends at entry ${servedEnd}, but ${prev.size} entries were seen before: entries ${servedEnd}–${prev.size - 1} are gone`,
      });
    } else {
      const same = bySize.get(prev.size);
      const rootNow = witnessBroken || witness.size !== prev.size ? null : toHex(witness.root());
      const signedOther = same !== undefined && toHex(same.root) !== prev.root;
      if (signedOther || rootNow !== prev.root) {
        const where = firstDifference !== undefined ? { index: firstDifference } : { range: [0, prev.size - 1] as [number, number] };
        report({
          kind: 'fork',
          ...where,
          message:
            firstDifference !== undefined
              ? `the log no longer extends the checkpoint of size ${prev.size} seen before: its history differs from entry ${firstDifference} on (fork)`
              : `the log no longer extends the checkpoint of size ${prev.size} seen before: its first ${prev.size} entries produce another root (fork)`,
        });
      }
    }
  }

  // Said once, past the cap (report() would only count it).
  if (suppressed > 0) problems.push({ kind: 'altered', message: `${suppressed} further problems not listed` });
  const last = checkpoints.at(-1);
  return {
    ok: problems.length === 0 && suppressed === 0,
    size,
    root: last ? toHex(last.root) : null,
    entriesChecked,
    checkpointsChecked,
    problems,
    ...(leafHashes ? { leafHashes: leafHashes.slice(0, size) } : {}),
  };
}

/** The key names a signed note carries signatures of. */
function signerNames(note: string): string[] {
  const split = note.indexOf('\n\n');
  if (split < 0) return [];
  return note
    .slice(split + 2)
    .split('\n')
    .map((line) => /^\u2014 (\S+) /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}
