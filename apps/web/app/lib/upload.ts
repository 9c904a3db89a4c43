import { csrfToken } from './api.browser';
import { TransferError, transferErrorOf } from './errors';

export interface UploadedDocument {
  id: string;
  version: number;
  filename: string;
  size: number;
  sha256: string;
}

/**
 * Streams one tender document to the API (PUT, the raw file as the body; see packages/api/src/rest.ts).
 * XMLHttpRequest rather than fetch because only it reports upload progress. `onProgress` gets the
 * fraction sent, 0 to 1; a refusal rejects with a TransferError carrying the API's message.
 */
export function uploadDocument(sectionId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadedDocument> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `/api/sections/${encodeURIComponent(sectionId)}/documents`);
    xhr.setRequestHeader('x-filename', encodeURIComponent(file.name));
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('x-csrf-token', csrfToken());
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = xhr.response as UploadedDocument | null;
      if (xhr.status === 201 && body && typeof body.id === 'string') {
        onProgress(1);
        resolve(body);
      } else {
        reject(transferErrorOf(body));
      }
    };
    xhr.onerror = () => reject(new TransferError(null));
    xhr.onabort = () => reject(new TransferError(null));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
