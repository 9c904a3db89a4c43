/**
 * Uploading a sealed envelope with the tus protocol (docs/sealed-bids.md §4), from its file in the
 * Origin Private File System. Browser only (a `.client` module).
 *
 * Resuming: tus-js-client keeps the upload's URL in localStorage under a fingerprint of our own
 * making (account, section and the envelope's SHA-256), so after a reload or a night with the
 * laptop closed, `findPreviousUploads` finds it, asks the server for its offset (HEAD) and sends
 * only the rest. The envelope itself is still in OPFS, byte for byte what was sealed.
 */
import { DetailedError, Upload, type PreviousUpload } from 'tus-js-client';
import { csrfToken } from '../api.browser';
import type { ApiError } from '../errors';

/** 5 MiB per PATCH: small enough that an interruption loses little, large enough to be quick. */
export const UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024;

export interface BidUploadOptions {
  file: File;
  sectionId: string;
  fingerprint: string;
  onProgress: (sent: number, total: number) => void;
  /** The server's URL of this upload, as soon as it exists (kept with the local bid state). */
  onUrl: (url: string) => void;
}

/** A refusal by the platform (deadline passed, not allowed, too large), or a network failure (null). */
export class UploadRefused extends Error {
  constructor(
    readonly api: ApiError | null,
    readonly status: number | null,
  ) {
    super(api ? `${api.zh} / ${api.en}` : `upload failed${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'UploadRefused';
  }
}

/** The API answers a refused tus request with `{ code, message }` or `{ error: { code, zh, en } }`. */
function apiErrorOfBody(body: string): ApiError | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const v = value as { code?: unknown; message?: unknown; zh?: unknown; en?: unknown; error?: { code?: unknown; zh?: unknown; en?: unknown } } | null;
  const inner = v?.error ?? v;
  if (typeof inner?.zh === 'string' && typeof inner.en === 'string') {
    return { code: (typeof inner.code === 'string' ? inner.code : 'INTERNAL') as ApiError['code'], zh: inner.zh, en: inner.en };
  }
  if (typeof v?.message === 'string') {
    const at = v.message.indexOf(' / ');
    const zh = at < 0 ? v.message : v.message.slice(0, at);
    const en = at < 0 ? v.message : v.message.slice(at + 3);
    return { code: (typeof v.code === 'string' ? v.code : 'INTERNAL') as ApiError['code'], zh, en };
  }
  return null;
}

function refusalOf(error: Error | DetailedError): UploadRefused {
  if (error instanceof DetailedError && error.originalResponse) {
    const status = error.originalResponse.getStatus();
    return new UploadRefused(apiErrorOfBody(error.originalResponse.getBody() ?? ''), status);
  }
  return new UploadRefused(null, null);
}

/** The bidder paused the upload; the server keeps what it has. */
export class UploadPaused extends Error {
  constructor() {
    super('upload paused');
    this.name = 'UploadPaused';
  }
}

export interface RunningUpload {
  /** Resolves with the upload's URL when the server has every byte. */
  done: Promise<string>;
  /** Stops sending; the server keeps what it has, so the upload can resume later. */
  pause(): Promise<void>;
}

/** Starts or resumes (when this browser knows an earlier upload of the same envelope) the upload. */
export function uploadEnvelope(options: BidUploadOptions): RunningUpload {
  let upload!: Upload;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    rejectDone = reject;
    upload = new Upload(options.file, {
      endpoint: '/api/uploads',
      chunkSize: UPLOAD_CHUNK_BYTES,
      // Quick retries for a flaky network; a refusal (4xx other than a lock conflict) is final.
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { sectionId: options.sectionId, filename: `${options.fingerprint.split('/').pop()}.ggzyenv` },
      headers: { 'x-csrf-token': csrfToken() },
      fingerprint: () => Promise.resolve(options.fingerprint),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onShouldRetry: (error) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        if (status >= 400 && status < 500 && status !== 409 && status !== 423) return false;
        return navigator.onLine !== false;
      },
      onUploadUrlAvailable: () => {
        if (upload.url) options.onUrl(upload.url);
      },
      onProgress: options.onProgress,
      onSuccess: () => resolve(upload.url ?? ''),
      onError: (error) => reject(refusalOf(error)),
    });
    upload
      .findPreviousUploads()
      .then((previous: PreviousUpload[]) => {
        const earlier = previous.find((p) => p.uploadUrl);
        if (earlier) upload.resumeFromPreviousUpload(earlier);
        upload.start();
      })
      .catch((error: unknown) => reject(error instanceof Error ? refusalOf(error) : new UploadRefused(null, null)));
  });
  return {
    done,
    // tus-js-client reports nothing after abort(), so the caller's promise is settled here.
    pause: async () => {
      await upload.abort(false);
      rejectDone(new UploadPaused());
    },
  };
}

/**
 * How far the server has an upload (tus HEAD): bytes received and the total, or null when the
 * server no longer has it (completed and moved to the object store, expired, or refused after
 * the deadline).
 */
export async function serverOffset(url: string): Promise<{ offset: number; length: number } | null> {
  const response = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return null;
  const offset = Number(response.headers.get('upload-offset'));
  const length = Number(response.headers.get('upload-length'));
  return Number.isFinite(offset) && Number.isFinite(length) ? { offset, length } : null;
}

/** The upload's id as the submit names it: the last segment of its URL. */
export function uploadIdOf(url: string): string {
  return decodeURIComponent(new URL(url, location.href).pathname.split('/').filter(Boolean).pop() ?? '');
}
