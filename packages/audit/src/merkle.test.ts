import { describe, expect, it } from 'vitest';
import {
  CompactTree,
  consistencyProofRanges,
  hashLeaf,
  hashOfRange,
  inclusionProofRanges,
  rootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from './merkle';

const leaves = (n: number): Hash[] => Array.from({ length: n }, (_, i) => hashLeaf(new TextEncoder().encode(`entry ${i}`)));

/** Proof hashes computed from the reference MTH over the leaf hashes. */
const proofFrom = (all: Hash[], ranges: ReadonlyArray<readonly [number, number]>) =>
  ranges.map(([a, b]) => rootOfLeafHashes(all, a, b));

describe('RFC 9162 Merkle tree, every tree size up to 70', () => {
  const all = leaves(70);

  it('the compact tree gives the reference root at every size and stores every perfect node', () => {
    const tree = new CompactTree();
    const nodes = new Map<string, Hash>();
    for (let n = 1; n <= all.length; n++) {
      for (const node of tree.append(all[n - 1]!)) nodes.set(`${node.level}:${node.index}`, node.hash);
      expect(tree.root()).toEqual(rootOfLeafHashes(all, 0, n));
      // A tree rebuilt from its stored frontier continues identically.
      const copy = new CompactTree(tree.size, [...tree.hashes]);
      expect(copy.root()).toEqual(tree.root());
    }
    // Any range a proof can ask for is computable from the stored perfect nodes alone.
    for (let n = 1; n <= all.length; n++) {
      for (const [a, b] of [...inclusionProofRanges(n - 1, n), ...consistencyProofRanges(Math.max(1, n >> 1), n)]) {
        expect(hashOfRange(a, b, ({ level, index }) => nodes.get(`${level}:${index}`)!)).toEqual(rootOfLeafHashes(all, a, b));
      }
    }
  });

  it('every inclusion proof verifies, and fails for a wrong leaf, a wrong or out-of-range index, or a tampered hash', () => {
    for (let size = 1; size <= all.length; size++) {
      const root = rootOfLeafHashes(all, 0, size);
      for (let index = 0; index < size; index++) {
        const proof = proofFrom(all, inclusionProofRanges(index, size));
        expect(verifyInclusion(index, size, all[index]!, proof, root)).toBe(true);
        const other = all[(index + 1) % size]!;
        if (size > 1) expect(verifyInclusion(index, size, other, proof, root)).toBe(false);
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, all[index]!, proof, root)).toBe(false);
        // (The size itself is bound by the signed checkpoint, not by the path: RFC 9162 §2.1.3.2.)
        expect(verifyInclusion(size, size, all[index]!, proof, root)).toBe(false);
        if (proof.length > 0) {
          const bad = proof.map((h) => h.slice());
          bad[bad.length - 1]![0]! ^= 1;
          expect(verifyInclusion(index, size, all[index]!, bad, root)).toBe(false);
          expect(verifyInclusion(index, size, all[index]!, proof.slice(0, -1), root)).toBe(false);
        }
      }
    }
  });

  it('every consistency proof verifies, and fails for a forked second tree or a truncated proof', () => {
    for (let size2 = 1; size2 <= 40; size2++) {
      const root2 = rootOfLeafHashes(all, 0, size2);
      const forked = [...all.slice(0, size2)];
      forked[size2 - 1] = hashLeaf(new Uint8Array([0xff]));
      const forkedRoot = rootOfLeafHashes(forked, 0, size2);
      for (let size1 = 0; size1 <= size2; size1++) {
        const root1 = rootOfLeafHashes(all, 0, size1);
        const proof = proofFrom(all, consistencyProofRanges(size1, size2));
        expect(verifyConsistency(size1, size2, root1, root2, proof)).toBe(true);
        if (size1 > 0 && size1 < size2) {
          expect(verifyConsistency(size1, size2, root1, forkedRoot, proof)).toBe(false);
          expect(verifyConsistency(size1, size2, root1, root2, proof.slice(0, -1))).toBe(false);
        }
      }
    }
  });
});
