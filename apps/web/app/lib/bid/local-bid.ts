/**
 * What this browser remembers about a bid in progress, per account and section: the sealed
 * envelope's file in OPFS, its digest and size, and the upload's URL once it exists. It lets the
 * page offer "可继续上传 / resume" after a reload, and submit the envelope that was sealed, not
 * another one. Browser only; nothing secret is kept here (the envelope is ciphertext, the digest
 * is what the submit names anyway).
 */
import { hasOpfs, opfsDirectory, type OpfsFileHandle } from './bytes';

export interface LocalBid {
  version: 1;
  accountId: string;
  sectionId: string;
  opfsName: string;
  suite: string;
  ciphertextSha256: string;
  envelopeBytes: number;
  plaintextBytes: number;
  sealedAt: string;
  /** The bidder's files, for the summary on screen. */
  files: Array<{ part: string; name: string; size: number }>;
  upload: { url: string; complete: boolean } | null;
}

const PREFIX = 'ggzy.bid.';
const keyOf = (accountId: string, sectionId: string) => `${PREFIX}${accountId}.${sectionId}`;

export function loadLocalBid(accountId: string, sectionId: string): LocalBid | null {
  try {
    const value = JSON.parse(localStorage.getItem(keyOf(accountId, sectionId)) ?? 'null') as LocalBid | null;
    return value?.version === 1 && value.accountId === accountId && value.sectionId === sectionId ? value : null;
  } catch {
    return null;
  }
}

export function saveLocalBid(bid: LocalBid): void {
  localStorage.setItem(keyOf(bid.accountId, bid.sectionId), JSON.stringify(bid));
}

/** The fingerprint under which tus-js-client remembers this envelope's upload URL (upload.client.ts). */
export function uploadFingerprint(bid: Pick<LocalBid, 'accountId' | 'sectionId' | 'ciphertextSha256'>): string {
  return `ggzy-bid/${bid.accountId}/${bid.sectionId}/${bid.ciphertextSha256}`;
}

/** Forgets the bid and deletes its envelope from OPFS (after a submit, or when the bidder starts over). */
export async function discardLocalBid(bid: LocalBid): Promise<void> {
  localStorage.removeItem(keyOf(bid.accountId, bid.sectionId));
  // tus-js-client's own entries for this envelope ("tus::<fingerprint>::<n>"), so none is resumed later.
  const tusPrefix = `tus::${uploadFingerprint(bid)}::`;
  for (const key of Object.keys(localStorage)) if (key.startsWith(tusPrefix)) localStorage.removeItem(key);
  await removeEnvelope(bid.opfsName);
}

export async function removeEnvelope(opfsName: string): Promise<void> {
  if (!hasOpfs()) return;
  await (await opfsDirectory()).removeEntry(opfsName).catch(() => {});
}

/** The sealed envelope as a File, or null if the browser lost it (storage cleared, another profile). */
export async function envelopeFile(opfsName: string): Promise<File | null> {
  if (!hasOpfs()) return null;
  try {
    const handle: OpfsFileHandle = await (await opfsDirectory()).getFileHandle(opfsName);
    return await handle.getFile();
  } catch {
    return null;
  }
}

/** A fresh OPFS name for the next envelope of this section. */
export function newEnvelopeName(sectionId: string): string {
  return `${sectionId}-${crypto.randomUUID()}.ggzyenv`;
}

/**
 * Deletes envelopes no remembered bid refers to: left behind by a sealing that was cancelled or
 * a tab closed mid-way. Large files must not pile up in the bidder's disk quota.
 */
export async function sweepOrphanEnvelopes(): Promise<void> {
  if (!hasOpfs()) return;
  const referenced = new Set<string>();
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    try {
      const bid = JSON.parse(localStorage.getItem(key) ?? 'null') as LocalBid | null;
      if (bid?.opfsName) referenced.add(bid.opfsName);
    } catch {
      // Not ours to judge: leave it.
    }
  }
  const directory = await opfsDirectory();
  const orphans: string[] = [];
  for await (const name of directory.keys()) if (!referenced.has(name)) orphans.push(name);
  // A sealing running in another tab holds its file locked; removing it fails and is retried next time.
  await Promise.all(orphans.map((name) => directory.removeEntry(name).catch(() => {})));
}
