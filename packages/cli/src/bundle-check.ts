/**
 * Checking that a decrypted bid is a bid bundle (`@ggzy/domain/bid`) while it streams past, without
 * writing the plaintext anywhere (the decryption self-test sends it to nowhere).
 *
 * The bundle reader needs random access: the end record and central directory at the end, each
 * entry's local header wherever it is, and the opening schedule (the first entry). So this keeps
 * only those bytes: the head, the tail, and a small window at every local-header signature that
 * passes (`PK\x03\x04`; also inside stored .docx/.xlsx files, which costs a window each). After the
 * last byte, `openBidBundle` runs over what was kept; a read of anything else is a layout the writer
 * does not produce, reported as a malformed bundle.
 */
import { openBidBundle, type BidBundleReader, type RandomAccessBytes } from '@ggzy/domain/bid';

const HEAD_BYTES = 1 << 20;
/** A central directory of 1,001 entries with long Chinese names fits easily. */
const TAIL_BYTES = 4 << 20;
/** A local header (30 bytes) and its name: 8 levels of 255-byte segments at most. */
const WINDOW_BYTES = 30 + 2100;
/** Beyond this many signatures the bundle is not checked (reported, not guessed). */
const MAX_WINDOWS = 50_000;
const SIGNATURE = [0x50, 0x4b, 0x03, 0x04] as const;

export class BundleCollector {
  private readonly head = new Uint8Array(HEAD_BYTES);
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  private readonly windows = new Map<number, { bytes: Uint8Array; filled: number }>();
  private readonly filling: Array<{ bytes: Uint8Array; filled: number }> = [];
  /** The last three bytes seen, for a signature split across pieces. */
  private carry: number[] = [];
  private overflow = false;
  size = 0;

  add(piece: Uint8Array): void {
    const start = this.size;
    if (start < HEAD_BYTES) this.head.set(piece.subarray(0, HEAD_BYTES - start), start);
    // Windows already open take their bytes from this piece first.
    for (const w of this.filling) {
      const n = Math.min(piece.length, w.bytes.length - w.filled);
      w.bytes.set(piece.subarray(0, n), w.filled);
      w.filled += n;
    }
    this.dropFilled();
    // Signatures starting in the carried bytes (split across pieces) or in this piece.
    const scan = this.carry.length ? Uint8Array.from([...this.carry, ...piece.subarray(0, 3)]) : new Uint8Array();
    for (let i = 0; i + 4 <= scan.length; i++) if (isSignature(scan, i)) if (i < this.carry.length) this.open(start - this.carry.length + i, piece, i - this.carry.length);
    for (let i = piece.indexOf(SIGNATURE[0]); i >= 0 && i + 4 <= piece.length; i = piece.indexOf(SIGNATURE[0], i + 1)) {
      if (isSignature(piece, i)) this.open(start + i, piece, i);
    }
    this.carry = [...this.carry, ...piece.subarray(Math.max(0, piece.length - 3))].slice(-3);
    this.size += piece.length;
    // The tail: keep whole pieces until they exceed the tail size, copying so the caller may reuse its buffer.
    this.tail.push(piece.slice());
    this.tailBytes += piece.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= TAIL_BYTES) this.tailBytes -= this.tail.shift()!.length;
  }

  private open(offset: number, piece: Uint8Array, indexInPiece: number): void {
    if (this.windows.has(offset) || this.overflow) return;
    if (this.windows.size >= MAX_WINDOWS) {
      this.overflow = true;
      return;
    }
    const w = { bytes: new Uint8Array(WINDOW_BYTES), filled: 0 };
    if (indexInPiece < 0) {
      // Starts in the carried bytes: those first, then the piece.
      const carried = this.carry.slice(this.carry.length + indexInPiece);
      w.bytes.set(carried, 0);
      w.filled = carried.length;
      const n = Math.min(piece.length, WINDOW_BYTES - w.filled);
      w.bytes.set(piece.subarray(0, n), w.filled);
      w.filled += n;
    } else {
      const n = Math.min(piece.length - indexInPiece, WINDOW_BYTES);
      w.bytes.set(piece.subarray(indexInPiece, indexInPiece + n), 0);
      w.filled = n;
    }
    this.windows.set(offset, w);
    if (w.filled < WINDOW_BYTES) this.filling.push(w);
  }

  private dropFilled(): void {
    for (let i = this.filling.length - 1; i >= 0; i--) if (this.filling[i]!.filled >= WINDOW_BYTES) this.filling.splice(i, 1);
  }

  /** Random access to what was kept; anything else is refused as a layout the writer never makes. */
  private source(): RandomAccessBytes {
    const size = this.size;
    const tail = concat(this.tail, this.tailBytes);
    const tailStart = size - tail.length;
    const head = this.head.subarray(0, Math.min(size, HEAD_BYTES));
    return {
      size,
      read: async (offset, length) => {
        if (offset + length <= head.length) return head.subarray(offset, offset + length);
        if (offset >= tailStart) return tail.subarray(offset - tailStart, offset - tailStart + length);
        const w = this.windows.get(offset);
        if (w && length <= w.filled) return w.bytes.subarray(0, length);
        throw Object.assign(new Error('the bundle layout needs bytes the self-test does not keep'), { name: 'BidBundleError', reason: 'malformed-bundle' });
      },
    };
  }

  /** Reads the bundle's directory and opening schedule from the kept bytes (after the last piece). */
  async finish(): Promise<BidBundleReader> {
    if (this.overflow) {
      throw Object.assign(new Error(`more than ${MAX_WINDOWS} ZIP signatures: the bundle layout was not checked`), { name: 'BidBundleError', reason: 'too-many-signatures' });
    }
    return openBidBundle(this.source());
  }
}

function isSignature(bytes: Uint8Array, i: number): boolean {
  return bytes[i] === SIGNATURE[0] && bytes[i + 1] === SIGNATURE[1] && bytes[i + 2] === SIGNATURE[2] && bytes[i + 3] === SIGNATURE[3];
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
