import { TransferError, transferErrorOf } from './errors';

export interface Downloaded {
  filename: string;
  size: number;
  /** The SHA-256 computed here of the bytes received, when this browser can (a secure context). */
  sha256: string | null;
}

async function sha256Hex(data: ArrayBuffer): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Obtains a tender document (GET /api/documents/:id; the API records the download for a bidder's
 * company) and hands it to the browser to save. Fetched rather than followed as a link, so that a
 * refusal (the period is over) is shown on the page instead of being saved as a file, and so that
 * the bytes can be checked against the published SHA-256.
 */
export async function downloadDocument(documentId: string, filename: string): Promise<Downloaded> {
  let response: Response;
  try {
    response = await fetch(`/api/documents/${encodeURIComponent(documentId)}`, { credentials: 'same-origin' });
  } catch {
    throw new TransferError(null);
  }
  if (!response.ok) {
    throw transferErrorOf(await response.json().catch(() => null));
  }
  const blob = await response.blob();
  const sha256 = await sha256Hex(await blob.arrayBuffer());
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Long enough for the browser to have started saving it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { filename, size: blob.size, sha256 };
}
