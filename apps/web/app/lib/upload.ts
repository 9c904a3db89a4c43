import type { ApiError } from './errors';

const CSRF_COOKIE = 'ggzy_csrf';

function csrfToken(): string {
  const match = new RegExp(`(?:^|;\\s*)${CSRF_COOKIE}=([^;]*)`).exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : '';
}

export interface UploadedDocument {
  id: string;
  version: number;
  filename: string;
  size: number;
  sha256: string;
}

/** Why an upload failed: the API's own error, or the network (null). */
export class UploadError extends Error {
  constructor(readonly api: ApiError | null) {
    super(api ? `${api.zh} / ${api.en}` : 'network error');
  }
}

/**
 * Streams one tender document to the API (PUT, the raw file as the body; see packages/api/src/rest.ts).
 * XMLHttpRequest rather than fetch because only it reports upload progress. `onProgress` gets the
 * fraction sent, 0 to 1.
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
      const body = xhr.response as (UploadedDocument & { error?: ApiError }) | null;
      if (xhr.status === 201 && body && !body.error) {
        onProgress(1);
        resolve(body);
      } else {
        const error = body?.error;
        reject(new UploadError(error && typeof error.zh === 'string' ? { code: error.code ?? 'INTERNAL', zh: error.zh, en: error.en } : null));
      }
    };
    xhr.onerror = () => reject(new UploadError(null));
    xhr.onabort = () => reject(new UploadError(null));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}
