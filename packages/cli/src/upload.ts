/**
 * `ggzy upload`: the sealed bid to the platform's tus endpoint (docs/sealed-bids.md §4), resumable.
 * The upload's address is kept beside the envelope in `<envelope>.upload.json`, so running the
 * command again after an interruption continues from the offset the server has, not from zero.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Upload, type DetailedError } from 'tus-js-client';
import { z } from 'zod';
import { inspectEnvelopeFile } from './envelope-file';
import { CliError } from './errors';
import { writeFileAtomic } from './files';
import { signIn, type Session, type SignInOptions } from './session';

export const uploadRecord = z.object({
  version: z.literal(1),
  api: z.string(),
  sectionId: z.string(),
  uploadUrl: z.string(),
  uploadId: z.string(),
  ciphertextSha256: z.string().regex(/^[0-9a-f]{64}$/),
  envelopeBytes: z.number().int().positive(),
  completed: z.boolean(),
});
export type UploadRecord = z.infer<typeof uploadRecord>;

export const recordPathOf = (envelope: string) => `${envelope}.upload.json`;

export interface UploadOptions extends SignInOptions {
  envelope: string;
  sectionId: string;
  chunkSize?: number | undefined;
  /** Notes on resumption (stderr in the command). */
  log?: (line: string) => void;
  /** Progress after each accepted request. */
  progress?: (line: string) => void;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function readUploadRecord(path: string): Promise<UploadRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = uploadRecord.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(`上传记录文件格式不对：${path} / the upload record is malformed: ${path}`);
  return parsed.data;
}

export async function uploadEnvelope(options: UploadOptions): Promise<UploadRecord> {
  const log = options.log ?? (() => {});
  // The framing check the server will do, done here first: a wrong file fails in seconds, not after
  // the upload. It also yields the digest and size the submit must sign.
  const inspection = await inspectEnvelopeFile(options.envelope);
  const recordPath = recordPathOf(options.envelope);
  let record = await readUploadRecord(recordPath);
  if (record && (record.api !== options.api || record.sectionId !== options.sectionId || record.ciphertextSha256 !== inspection.ciphertextSha256)) {
    log('! 上传记录属于另一个文件、标段或平台，重新上传 / the upload record is for another file, section or platform: starting a new upload');
    record = null;
  }
  if (record?.completed) {
    log(`✓ 已上传过 / already uploaded: ${record.uploadId}`);
    return record;
  }

  const session = await signIn(options);
  try {
    const base = { version: 1 as const, api: options.api, sectionId: options.sectionId, ciphertextSha256: inspection.ciphertextSha256, envelopeBytes: inspection.envelopeBytes };
    let resumeUrl: string | null = null;
    if (record) {
      const offset = await serverOffset(session, record.uploadUrl);
      if (offset === null) log('! 平台上已没有之前的上传，重新上传 / the platform no longer has the earlier upload: starting again');
      else {
        log(`… 从 ${mib(offset)} 处继续 / resuming at byte ${offset} of ${inspection.envelopeBytes}`);
        resumeUrl = record.uploadUrl;
      }
    }
    const uploadUrl = await runTus(session, options, resumeUrl, inspection.envelopeBytes, async (url) => {
      await writeFileAtomic(recordPath, `${JSON.stringify({ ...base, uploadUrl: url, uploadId: uploadIdOf(url), completed: false }, null, 2)}\n`, { overwrite: true });
    });
    const done: UploadRecord = { ...base, uploadUrl, uploadId: uploadIdOf(uploadUrl), completed: true };
    await writeFileAtomic(recordPath, `${JSON.stringify(done, null, 2)}\n`, { overwrite: true });
    return done;
  } finally {
    await session.logout();
  }
}

/** The tus upload id is the last segment of the upload's URL (bid_upload.id). */
export const uploadIdOf = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '');

/** Upload-Offset of an earlier upload, or null when the platform no longer has it (or not for us). */
async function serverOffset(session: Session, url: string): Promise<number | null> {
  const response = await fetch(url, { method: 'HEAD', headers: { ...session.headers(), 'tus-resumable': '1.0.0' } });
  if (response.status === 404 || response.status === 410 || response.status === 403) return null;
  const offset = Number(response.headers.get('upload-offset'));
  if (!response.ok || !Number.isSafeInteger(offset)) throw new CliError(`无法查询上传进度（HTTP ${response.status}）/ cannot read the upload's offset (HTTP ${response.status})`);
  return offset;
}

function runTus(session: Session, options: UploadOptions, resumeUrl: string | null, size: number, onUrl: (url: string) => Promise<void>): Promise<string> {
  const progress = options.progress ?? (() => {});
  return new Promise<string>((resolve, reject) => {
    let pending: Promise<void> = Promise.resolve();
    const upload: Upload = new Upload(createReadStream(options.envelope) as unknown as Buffer, {
      endpoint: new URL('/api/uploads', options.api).toString(),
      uploadUrl: resumeUrl,
      chunkSize: options.chunkSize ?? 16 * 2 ** 20,
      retryDelays: [0, 1000, 3000, 5000],
      headers: session.headers(),
      metadata: { sectionId: options.sectionId, filename: basename(options.envelope) },
      // We keep the URL ourselves (the record file), not in tus-js-client's own storage.
      storeFingerprintForResuming: false,
      onUploadUrlAvailable: () => {
        // Without the record a later run could not resume: stop rather than upload unrecorded.
        pending = pending.then(() => onUrl(upload.url!));
        pending.catch((error: unknown) => {
          void upload.abort();
          reject(error);
        });
      },
      onChunkComplete: (_chunk, accepted, total) => progress(`  ${mib(accepted)} / ${mib(total)} (${Math.floor((accepted / total) * 100)}%)`),
      onSuccess: () => {
        pending.then(() => resolve(upload.url!), reject);
      },
      onError: (error) => reject(refusal(error, size)),
    });
    upload.start();
  });
}

/** The platform's own reason for refusing (a JSON body `{ code, message }`), else the transport's. */
function refusal(error: Error | DetailedError, size: number): CliError {
  const response = 'originalResponse' in error ? error.originalResponse : null;
  if (response) {
    const status = response.getStatus();
    let message = response.getBody();
    try {
      const body = JSON.parse(message) as { message?: unknown; code?: unknown };
      if (typeof body.message === 'string') message = `${body.message}${typeof body.code === 'string' ? ` [${body.code}]` : ''}`;
    } catch {
      // not JSON: keep the text
    }
    return new CliError(`上传被拒绝（HTTP ${status}）/ upload refused (HTTP ${status}): ${message.trim() || '(no reason given)'} — ${size} bytes`);
  }
  return new CliError(`上传失败，可再次运行以继续 / upload failed; run the command again to resume: ${error.message}`);
}
