/**
 * Sealed-bid uploads (docs/sealed-bids.md §4): a `bid_upload` row when a tus upload is created, and,
 * when its last byte arrives, first the envelope's header read from the staged file (is it an envelope
 * at all, of the section's suite, bound to this section, this bidder and the prescribed recipients:
 * envelope-binding.ts; a refusal is recorded without any digest and never reaches the store), then
 * one pass over the staged file that both checks the envelope's framing (inspectEnvelope: no key
 * needed) and copies it, write-once, into the platform's object store.
 * Nothing here can read a bid: the bytes are ciphertext and stay so until the opening.
 */
import { appendTrace } from '@ggzy/audit';
import { EnvelopeError, inspectEnvelope, readEnvelopeHeader, type EnvelopeHeader, type EnvelopeInspection } from '@ggzy/crypto';
import { and, bidUpload, eq, isNull, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { ObjectExistsError, type ObjectStore, type StoredObject } from '@ggzy/storage';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { markTraced } from '../refusals';
import { actorOf, type RequestInfo, type Services, type SessionAccount } from '../context';
import { assertNotSuspended, assertTakesBids, databaseClock, readSection, type SectionRow } from './bid-window';
import { bindingError, bindingRefusal, bindingWorld, COLLUSION_SIGNAL_ACTION, headerFactsOf, otherCompanysUpload, type HeaderFacts } from './envelope-binding';

export const DEFAULT_MAX_ENVELOPE_BYTES = 2 * 2 ** 30;
const ENVELOPE_CONTENT_TYPE = 'application/vnd.ggzy.envelope';

export type BidUploadRow = typeof bidUpload.$inferSelect;

export const maxEnvelopeBytesOf = (settings: Services['settings']) => settings.maxEnvelopeBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;

/** Where a completed upload's bytes live in the object store. */
export const bidObjectKey = (sectionId: string, uploadId: string) => `bids/${sectionId}/${uploadId}`;

/** A fresh error each time: a refusal may be marked as traced (refusals.ts), which must not stick to a shared instance. */
export const uploadNotFound = () => new AppError('NOT_FOUND', { zh: '没有这个上传', en: 'No such upload' });

export function tooLarge(maxBytes: number): AppError {
  const mib = Math.floor(maxBytes / 2 ** 20);
  return new AppError('INVALID_INPUT', { zh: `投标文件超过 ${mib} MiB 上限`, en: `The sealed bid exceeds the ${mib} MiB limit` }, { reason: 'too-large', maxBytes });
}

/**
 * Records a new upload for the caller's company, if the section takes bids now (database clock) and
 * bidding is not suspended by an open objection. Called by the tus server before it creates the
 * staged file.
 */
export async function createUploadRecord(
  db: Database,
  options: { request: RequestInfo; account: SessionAccount; uploadId: string; sectionId: string; length: number; maxBytes: number },
): Promise<BidUploadRow> {
  const { account } = options;
  if (!account.organisationId) throw new AppError('PERMISSION_DENIED', { zh: '只有投标单位可以上传投标文件', en: 'Only a bidder company can upload bids' });
  if (!Number.isSafeInteger(options.length) || options.length < 1) {
    throw new AppError('INVALID_INPUT', { zh: '请在创建上传时给出文件长度（Upload-Length）', en: 'Give the file length (Upload-Length) when creating the upload' }, { reason: 'no-length' });
  }
  if (options.length > options.maxBytes) throw tooLarge(options.maxBytes);
  return db.transaction(async (tx) => {
    const row = await readSection(tx, options.sectionId);
    if (!row || row.state === 'draft') throw new AppError('NOT_FOUND', { zh: '没有这个标段', en: 'No such section' });
    assertTakesBids(row, await databaseClock(tx));
    // No new upload while an objection is open (实施条例 art. 22). One begun before may go on: its
    // bytes are only staged ciphertext, and its submit is refused until the answer.
    await assertNotSuspended(tx, row.id);
    const [created] = await tx
      .insert(bidUpload)
      .values({ id: options.uploadId, sectionId: row.id, organisationId: account.organisationId!, accountId: account.accountId, length: options.length })
      .returning();
    await appendTrace(tx, actorOf(options.request, account), {
      action: 'bid.upload.create',
      targetType: 'section',
      targetId: row.id,
      details: { upload: options.uploadId, length: String(options.length) },
    });
    return created!;
  });
}

/** The caller's own upload; anyone else's is NOT_FOUND (its existence is not confirmed). */
export async function requireOwnUpload(db: Database, uploadId: string, account: SessionAccount): Promise<BidUploadRow> {
  const [row] = await db.select().from(bidUpload).where(eq(bidUpload.id, uploadId));
  if (!row || row.accountId !== account.accountId || row.organisationId !== account.organisationId) throw uploadNotFound();
  return row;
}

/** Refuses to continue an upload once its section no longer takes bids (database clock). */
export async function assertUploadMayContinue(db: Database, upload: BidUploadRow): Promise<void> {
  const row = await readSection(db, upload.sectionId);
  if (!row) throw uploadNotFound();
  assertTakesBids(row, await databaseClock(db));
}

const withoutDigest = () => ({ update: () => undefined, digest: () => new Uint8Array(32) });

interface StreamResult {
  stored: StoredObject;
  inspection: EnvelopeInspection | null;
  refusal: EnvelopeError | null;
}

/**
 * One read of the staged file feeds both the framing check and the object store. The check pulls
 * the bytes; each piece is handed to the store before the check sees it, and whatever the check did
 * not need (it stops at the first framing error) is copied afterwards, so the store always receives
 * every byte exactly once. A refused envelope is kept too: it is what the bidder sent.
 */
async function inspectAndStore(store: ObjectStore, key: string, stagedPath: string): Promise<StreamResult> {
  const toStore = new PassThrough({ highWaterMark: 2 ** 20 });
  const putting = store.put(key, toStore, { contentType: ENVELOPE_CONTENT_TYPE });
  // If the store gives up (the key exists, the disk is full) it stops reading: stop feeding it and
  // the check, and report the store's reason (awaiting `putting` below rethrows it).
  let failed = false;
  const stopped = putting.then(
    () => undefined,
    () => {
      failed = true;
    },
  );
  const file = createReadStream(stagedPath, { highWaterMark: 2 ** 20 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const forward = async (chunk: Buffer): Promise<boolean> => {
    if (!failed && !toStore.write(chunk)) await Promise.race([once(toStore, 'drain'), stopped]);
    return !failed;
  };
  async function* feed(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await file.next();
      if (next.done || !(await forward(next.value))) return;
      yield next.value;
    }
  }
  let inspection: EnvelopeInspection | null = null;
  let refusal: EnvelopeError | null = null;
  try {
    try {
      // The store hashes every byte it writes (StoredObject.sha256): that is the ciphertext digest,
      // so the framing check is spared a second SHA-256 of the whole envelope.
      inspection = await inspectEnvelope(feed(), withoutDigest);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      refusal = error;
    }
    for (let next = await file.next(); !next.done && !failed; next = await file.next()) await forward(next.value);
    toStore.end();
    return { stored: await putting, inspection, refusal };
  } catch (error) {
    toStore.destroy();
    await stopped;
    throw error;
  } finally {
    await file.return?.();
  }
}

async function inspectStored(store: ObjectStore, key: string): Promise<StreamResult> {
  const info = await store.head(key);
  if (!info) throw uploadNotFound();
  try {
    const inspection = await inspectEnvelope((await store.get(key)) as AsyncIterable<Uint8Array>, () => createHash('sha256'));
    return { stored: { key, size: info.size, sha256: info.sha256 ?? inspection.ciphertextSha256 }, inspection, refusal: null };
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    const hash = createHash('sha256');
    for await (const chunk of (await store.get(key)) as AsyncIterable<Uint8Array>) hash.update(chunk);
    return { stored: { key, size: info.size, sha256: info.sha256 ?? hash.digest('hex') }, inspection: null, refusal: error };
  }
}

/**
 * Completes an upload: inspects and stores its bytes, then records the result with its trace entry
 * in one transaction. Idempotent: a completed upload is returned as it is.
 */
export async function completeUpload(options: {
  db: Database;
  store: ObjectStore;
  request: RequestInfo;
  account: SessionAccount;
  upload: BidUploadRow;
  stagedPath: string;
}): Promise<BidUploadRow> {
  const { db, upload } = options;
  if (upload.completedAt) return upload;
  // The last bytes may have arrived after the deadline; such an upload is never stored.
  await assertUploadMayContinue(db, upload);
  // What is refused before it is stored is never stored: the header is checked on the staged file.
  const refused = await stagedHeaderRefusal(db, upload, (await readSection(db, upload.sectionId))!, options.stagedPath);
  if (refused) return refuseUpload(options, refused);
  const key = bidObjectKey(upload.sectionId, upload.id);
  let result: StreamResult;
  try {
    result = await inspectAndStore(options.store, key, options.stagedPath);
  } catch (error) {
    // A completion that stopped after storing (or a second one racing it): the object is this
    // upload's bytes, written once; check it where it is.
    if (!(error instanceof ObjectExistsError)) throw error;
    result = await inspectStored(options.store, key);
  }
  const { stored, inspection, refusal } = result;
  const facts = inspection ? headerFactsOf(inspection.header) : null;
  const inspectionError = refusal
    ? `${refusal.code}: ${refusal.detail}`
    : stored.size !== upload.length
      ? `length-mismatch: ${stored.size} bytes received, ${upload.length} declared`
      : null;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(bidUpload)
      .set({
        completedAt: sql`now()`,
        ciphertextSha256: stored.sha256,
        headerSha256: inspection?.headerSha256 ?? null,
        suite: inspection?.header.suite ?? null,
        inspectionError,
        headerSection: facts?.section ?? null,
        headerBidder: facts?.bidder ?? null,
        recipientKeyIds: facts?.recipients ?? null,
      })
      .where(and(eq(bidUpload.id, upload.id), isNull(bidUpload.completedAt)))
      .returning();
    if (!row) {
      const [done] = await tx.select().from(bidUpload).where(eq(bidUpload.id, upload.id));
      return done!;
    }
    await appendTrace(tx, actorOf(options.request, options.account), {
      action: 'bid.upload.complete',
      outcome: inspectionError ? 'failed' : 'ok',
      targetType: 'section',
      targetId: upload.sectionId,
      digests: { ciphertextSha256: stored.sha256 },
      details: { upload: upload.id, envelopeBytes: String(stored.size), ...(inspectionError ? { inspection: inspectionError.split(':')[0]! } : {}) },
    });
    return row;
  });
}

/** Reason codes of an upload refused at completion, before storing: its staged bytes are removed. */
export const REFUSED_BEFORE_STORING = new Set(['envelope-refused', 'wrong-suite', 'envelope-section', 'envelope-bidder', 'envelope-recipients', 'duplicate-ciphertext']);

interface StagedRefusal {
  error: AppError;
  /** What goes into bid_upload.inspection_error: the reason code and a detail, never a digest. */
  inspection: string;
  header: EnvelopeHeader | null;
  copied: { id: string; organisationId: string } | null;
}

export function notAnEnvelope(inspection: string): AppError {
  return new AppError(
    'RULE_VIOLATION',
    {
      zh: `上传的文件不是本平台格式的加密投标文件，不予接收，也未保存（${inspection}）；未加密的投标文件一律拒收`,
      en: `The upload is not a sealed bid of the platform's format; it is refused and not stored (${inspection}); unencrypted bids are never accepted`,
    },
    { reason: 'envelope-refused', inspection: inspection.split(':')[0]! },
  );
}

export function wrongSuite(expected: string, suite: string): AppError {
  return new AppError(
    'RULE_VIOLATION',
    { zh: `投标文件的加密算法套件与招标要求（${expected}）不符`, en: `The bid is sealed with another suite than the tender requires (${expected})` },
    { reason: 'wrong-suite', suite },
  );
}

const sha256OfFile = async (path: string) => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/**
 * The staged file's header against the world: an envelope, of the section's suite, naming this
 * section and the caller's company, wrapped to exactly the prescribed recipients, and not a copy of
 * another company's upload. Null when it may be stored (or when the staged file is gone: a completion
 * that stopped after storing, whose header was checked before the store got a byte).
 */
async function stagedHeaderRefusal(db: Database, upload: BidUploadRow, section: SectionRow, stagedPath: string, options: { partial?: boolean } = {}): Promise<StagedRefusal | null> {
  let header: EnvelopeHeader;
  let headerSha256: string;
  try {
    ({ header, headerSha256 } = await readEnvelopeHeader(createReadStream(stagedPath, { highWaterMark: 64 * 1024 })));
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return null;
    if (!(error instanceof EnvelopeError)) throw error;
    // Part of an upload: too few bytes to judge yet (what has arrived agrees with the format so far).
    if (options.partial && error.code === 'truncated') return null;
    const inspection = `${error.code}: ${error.detail}`;
    return { error: notAnEnvelope(inspection), inspection, header: null, copied: null };
  }
  if (header.suite !== section.envelopeSuite) {
    return { error: wrongSuite(section.envelopeSuite, header.suite), inspection: `wrong-suite: ${header.suite}`, header, copied: null };
  }
  const facts = headerFactsOf(header);
  const refusal = bindingRefusal(facts, await bindingWorld(db, upload, section));
  if (!refusal) return null;
  const reason = String(refusal.details.reason);
  if (reason === 'envelope-bidder') {
    // Another company's envelope: is it byte for byte one that company uploaded? (Hashed to compare
    // only; the digest is written nowhere.)
    // Part of an upload is compared by its header (random nonce prefix and wrapped keys: a header
    // equal to a stored one is a copy of it), a complete one by all its bytes.
    const copied = options.partial
      ? await otherCompanysUpload(db, headerSha256, upload.organisationId, 'header')
      : await otherCompanysUpload(db, await sha256OfFile(stagedPath), upload.organisationId);
    if (copied) return { error: bindingError('duplicate-ciphertext'), inspection: 'duplicate-ciphertext: the same bytes as another company’s upload', header, copied };
  }
  return { error: refusal, inspection: `${reason}: ${describe(facts, reason)}`, header, copied: null };
}

const describe = (facts: HeaderFacts, reason: string) =>
  reason === 'envelope-section' ? `header names section ${facts.section ?? '(none)'}` : reason === 'envelope-bidder' ? `header names bidder ${facts.bidder ?? '(none)'}` : `header recipients ${facts.recipients.join(', ')}`;

/**
 * As the first bytes arrive (before each further PATCH of an upload): what is staged so far is held
 * to the same header checks as at completion, once it holds the header, and an upload that is not an
 * envelope for this section and bidder is refused there (recorded, traced, never stored).
 */
export async function checkArrivedHeader(options: { db: Database; request: RequestInfo; account: SessionAccount; upload: BidUploadRow; stagedPath: string }): Promise<void> {
  if (options.upload.completedAt) return;
  const section = await readSection(options.db, options.upload.sectionId);
  if (!section) throw uploadNotFound();
  const refused = await stagedHeaderRefusal(options.db, options.upload, section, options.stagedPath, { partial: true });
  if (refused) await refuseUpload(options, refused);
}

/**
 * Records a refused upload as complete and refused, with what its header said (not secret) but no
 * digest of its content, its trace entry naming the reason and, for a copy of another company's
 * upload, the collusion signal for the supervisor, in one transaction; then throws the refusal.
 */
async function refuseUpload(options: { db: Database; request: RequestInfo; account: SessionAccount; upload: BidUploadRow }, refused: StagedRefusal): Promise<never> {
  const { upload } = options;
  const facts = refused.header ? headerFactsOf(refused.header) : null;
  const reason = String(refused.error.details.reason);
  await options.db.transaction(async (tx) => {
    const [row] = await tx
      .update(bidUpload)
      .set({
        completedAt: sql`now()`,
        suite: refused.header?.suite ?? null,
        inspectionError: refused.inspection,
        headerSection: facts?.section ?? null,
        headerBidder: facts?.bidder ?? null,
        recipientKeyIds: facts?.recipients ?? null,
      })
      .where(and(eq(bidUpload.id, upload.id), isNull(bidUpload.completedAt)))
      .returning({ id: bidUpload.id });
    if (!row) return;
    const actor = actorOf(options.request, options.account);
    await appendTrace(tx, actor, {
      action: 'bid.upload.complete',
      outcome: 'denied',
      targetType: 'section',
      targetId: upload.sectionId,
      details: { upload: upload.id, reason, ...(reason === 'envelope-refused' ? { inspection: refused.inspection.split(':')[0]! } : {}) },
    });
    if (refused.copied) {
      await appendTrace(tx, actor, {
        action: COLLUSION_SIGNAL_ACTION,
        outcome: 'denied',
        targetType: 'section',
        targetId: upload.sectionId,
        details: { reason, upload: upload.id, organisation: upload.organisationId, sameAsUpload: refused.copied.id, sameAsOrganisation: refused.copied.organisationId },
      });
    }
  });
  throw markTraced(refused.error);
}
