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
}

export interface VerifyOptions {
  key: VerifierKey;
  origin?: string;
  pageSize?: number;
  /** A checkpoint this verifier saw before (for example on its last run): the log must extend it. */
  previous?: { size: number; root: string };
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
      report({
        kind: 'checkpoint-signature',
        ...(Number.isFinite(size) ? { index: size - 1 } : {}),
        message: `checkpoint ${note.split('\n')[1] ?? '?'}: ${(error as Error).message}`,
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

  for (let from = 0; from < size; from += pageSize) {
    const page = await source.entries(from, Math.min(pageSize, size - from));
    for (const entry of page) {
      if (entry.seq >= size) break;
      if (entry.seq < expected) {
        report({ kind: 'duplicate', index: entry.seq, message: `entry ${entry.seq} appears more than once or out of order` });
        continue;
      }
      if (entry.seq > expected) {
        for (let missing = expected; missing < entry.seq; missing++) {
          report({ kind: 'missing', index: missing, message: `entry ${missing} is missing (deleted)` });
        }
        treeBroken = true;
        expected = entry.seq;
      }
      entriesChecked++;
      const computed = leafHashOfEntry(entry);
      let leaf = computed;
      if (entry.leafHash && entry.leafHash !== toHex(computed)) {
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
      expected = entry.seq + 1;
    }
  }
  for (let missing = expected; missing < size; missing++) {
    report({ kind: 'missing', index: missing, message: `entry ${missing} is missing (deleted)` });
  }

  // 3. The log must extend what this verifier saw before; it cannot shrink or fork.
  if (options.previous) {
    const prev = options.previous;
    if (prev.size > size) {
      report({ kind: 'rollback', message: `the log has ${size} entries but ${prev.size} were seen before` });
    } else {
      const same = bySize.get(prev.size);
      if (same && toHex(same.root) !== prev.root) {
        report({ kind: 'rollback', message: `the checkpoint of size ${prev.size} differs from the one seen before (fork)` });
      }
    }
  }

  if (suppressed > 0) report({ kind: 'altered', message: `${suppressed} further problems not listed` });
  const last = checkpoints.at(-1);
  return {
    ok: problems.length === 0 && suppressed === 0,
    size,
    root: last ? toHex(last.root) : null,
    entriesChecked,
    checkpointsChecked,
    problems,
  };
}
