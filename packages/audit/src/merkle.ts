/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2), as used by the trace log.
 * Pure and isomorphic: the API, the browser's trace-log viewer and `ggzy verify-log` share it.
 *
 * Sizes and indices are JavaScript numbers; arithmetic avoids 32-bit bit operations so trees past
 * 2^31 leaves stay correct.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export type Hash = Uint8Array;
export type Range = readonly [start: number, end: number];

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** MTH({d(0)}) = SHA-256(0x00 || d(0)) */
export function hashLeaf(data: Uint8Array): Hash {
  return sha256.create().update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right) */
export function hashChildren(left: Hash, right: Hash): Hash {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256() */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 9162's k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

export function equalHashes(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** MTH(D[start:end]) from the leaf hashes (reference implementation; O(n)). */
export function rootOfLeafHashes(leafHashes: readonly Hash[], start = 0, end = leafHashes.length): Hash {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leafHashes[start]!;
  const k = splitPoint(n);
  return hashChildren(rootOfLeafHashes(leafHashes, start, start + k), rootOfLeafHashes(leafHashes, start + k, end));
}

/**
 * The ranges whose MTH make up the audit path PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), in proof order
 * (from the leaf up to the root).
 */
export function inclusionProofRanges(index: number, size: number): Range[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const path: Range[] = [];
  let start = 0;
  let end = size;
  const siblings: Range[] = [];
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push([start + k, end]);
      end = start + k;
    } else {
      siblings.push([start, start + k]);
      start += k;
    }
  }
  // Walking down collected siblings from the root; the proof lists them from the leaf up.
  for (let i = siblings.length - 1; i >= 0; i--) path.push(siblings[i]!);
  return path;
}

/** The ranges of the consistency proof PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1), in proof order. */
export function consistencyProofRanges(size1: number, size2: number): Range[] {
  if (!(size1 >= 0 && size1 <= size2)) throw new RangeError(`no consistency proof from ${size1} to ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const proof: Range[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: what is appended after the recursive call is pushed
  // on a stack and emitted in reverse.
  const after: Range[] = [];
  let m = size1;
  let start = 0;
  let end = size2;
  let complete = true;
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push([start, end]);
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      after.push([start + k, end]);
      end = start + k;
    } else {
      after.push([start, start + k]);
      m -= k;
      start += k;
      complete = false;
    }
  }
  for (let i = after.length - 1; i >= 0; i--) proof.push(after[i]!);
  return proof;
}

/** A perfect, aligned subtree: leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  level: number;
  index: number;
}

/**
 * The perfect subtrees whose hashes determine MTH(D[start:end]) for a range that is a node of the
 * RFC tree of some size (every range in a proof is): a perfect range is itself one node; a
 * right-edge range splits at k.
 */
export function perfectNodesOfRange(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  while (end > start) {
    const n = end - start;
    const k = n === 1 ? 1 : isPowerOfTwo(n) ? n : splitPoint(n);
    const level = Math.log2(k);
    nodes.push({ level, index: start / k });
    start += k;
  }
  return nodes;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/** MTH of a range from the hashes of its perfect nodes (as listed by perfectNodesOfRange). */
export function hashOfRange(start: number, end: number, node: (id: NodeId) => Hash): Hash {
  const hashes = perfectNodesOfRange(start, end).map(node);
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = hashChildren(hashes[i]!, root);
  return root;
}

/** RFC 9162 §2.1.3.2: verify an inclusion proof. */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalHashes(r, root);
}

/** RFC 9162 §2.1.4.2: verify a consistency proof between two tree heads. */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Hash,
  root2: Hash,
  proof: readonly Hash[],
): boolean {
  if (!(size1 >= 0 && size1 <= size2)) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return equalHashes(fr, root1) && equalHashes(sr, root2) && sn === 0;
}

/**
 * An append-only tree kept as its compact range: the hashes of the perfect subtrees that cover
 * [0, size), largest first (one per set bit of size). Appending is O(log n) and reports the perfect
 * nodes it completes, which the sequencer stores for proofs; the verifier uses it to compute the
 * root at every checkpoint size in one pass.
 */
export class CompactTree {
  private sizeValue: number;
  private readonly frontier: Hash[];

  constructor(size = 0, frontier: Hash[] = []) {
    if (frontierLevels(size).length !== frontier.length) {
      throw new RangeError(`a tree of size ${size} has ${frontierLevels(size).length} frontier hashes, not ${frontier.length}`);
    }
    this.sizeValue = size;
    this.frontier = [...frontier];
  }

  get size(): number {
    return this.sizeValue;
  }

  /** The frontier hashes, largest subtree first. */
  get hashes(): readonly Hash[] {
    return this.frontier;
  }

  /** Appends a leaf hash; returns the perfect nodes completed by it (the leaf itself first). */
  append(leafHash: Hash): Array<NodeId & { hash: Hash }> {
    const index = this.sizeValue;
    const created: Array<NodeId & { hash: Hash }> = [{ level: 0, index, hash: leafHash }];
    let hash = leafHash;
    let level = 0;
    let position = index;
    // Every trailing 1-bit of the old size is a perfect subtree of the same level to merge with.
    while (isOdd(position)) {
      const left = this.frontier.pop()!;
      hash = hashChildren(left, hash);
      level += 1;
      position = half(position);
      created.push({ level, index: position, hash });
    }
    this.frontier.push(hash);
    this.sizeValue += 1;
    return created;
  }

  root(): Hash {
    if (this.frontier.length === 0) return EMPTY_ROOT;
    let root = this.frontier[this.frontier.length - 1]!;
    for (let i = this.frontier.length - 2; i >= 0; i--) root = hashChildren(this.frontier[i]!, root);
    return root;
  }
}

/** The levels of the perfect subtrees covering [0, size), largest first. */
export function frontierLevels(size: number): number[] {
  const levels: number[] = [];
  let remaining = size;
  let level = 0;
  while (remaining > 0) {
    if (isOdd(remaining)) levels.unshift(level);
    remaining = half(remaining);
    level += 1;
  }
  return levels;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new RangeError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
