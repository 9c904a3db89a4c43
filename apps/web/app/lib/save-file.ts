/**
 * Hands bytes made in the page (a PKCS#12 file, a receipt, an envelope) to the browser to save,
 * as a download with the given name. Nothing goes over the network.
 */
export function saveFile(data: Blob | Uint8Array | string, filename: string, type = 'application/octet-stream'): void {
  const blob = data instanceof Blob ? data : new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Long enough for the browser to have started saving it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
