/**
 * Reads of an opened bid's plaintext bundle (docs/opening-hall.md §6b; issue 12 point 5): after the
 * opening the decrypted bids are open to the evaluation that follows and to the supervisor, and to
 * nobody else; each bidder can download its own. Everything is in the trace log.
 *
 * Who may read `opened/<sectionId>/<organisationId>`, once that bid is `decrypted` or `recovered`:
 * * a session of the supervisor whose region covers the section (region scope, as `hallRoleOf`);
 * * a session of a bidder account of the bid's own company (any account of it);
 * * the evaluation (`{ kind: 'evaluation' }`), only while the section is `evaluating`. Issue 13's
 *   expert workspace must read bids only through `readOpenedBid`, after checking for itself that the
 *   expert sits on this section's committee.
 * Everyone else (centre staff, the tenderer and its agency, other bidders, experts outside the
 * evaluation, the public) is refused.
 *
 * Every read served is traced `bid.opened.read` (the reader, the company, the digest) in the
 * transaction that decides to serve it, which commits before the first byte goes out. The stored
 * object is hashed before that decision: an object whose SHA-256 is not the `plaintext_sha256`
 * recorded at decryption is refused (`opened-altered`) and the refusal traced (outcome `failed`).
 * While streaming, the bytes are hashed again and the stream fails if they differ from what was
 * checked, so an object replaced between the check and the read never arrives whole.
 */
import { appendTrace, type TraceActor } from '@ggzy/audit';
import { and, asc, bidDecryption, eq, inArray, organisation, type Database } from '@ggzy/db';
import type { ObjectStore } from '@ggzy/storage';
import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { markTraced } from '../refusals';
import { hallRefusal, hallRoleOf, loadHall, type HallSection } from './access';

/** Who asks: a signed-in account (the HTTP download), or the evaluation (issue 13). */
export type OpenedBidReader =
  | { kind: 'session'; account: SessionAccount | null; request: RequestInfo }
  | {
      kind: 'evaluation';
      request: RequestInfo;
      /** The expert (or evaluation staff) on whose behalf the evaluation reads; null for a platform job. */
      account: SessionAccount | null;
    };

export type OpenedReaderRole = 'supervisor' | 'bidder' | 'evaluation';

const OPENED_STATES = ['decrypted', 'recovered'] as const;

const notAllowed = () =>
  hallRefusal(
    'PERMISSION_DENIED',
    'not-an-opened-bid-reader',
    '解密后的投标文件只向评标委员会（评标阶段）、本地区行政监督部门和投标人本单位开放：交易中心、招标人（代理机构）、其他投标人和公众均不能查看。投标人请用本单位账号下载本单位的投标文件',
    'Decrypted bids are open only to the evaluation (while the section is evaluated), the supervisor of the region and the bidder itself: centre staff, the tenderer (or its agency), other bidders and the public cannot read them. A bidder downloads its own bid with an account of its company',
  );

const notOpened = (state: string) =>
  hallRefusal(
    'CONFLICT',
    'not-opened',
    `该投标文件尚未解密（当前状态：${state}），解密或恢复成功后才能查看`,
    `That bid is not decrypted (it is ${state}); it can be read once it has been decrypted or recovered`,
    { state },
  );

const noSuchBid = () => hallRefusal('NOT_FOUND', 'no-such-bid', '该单位在本标段没有投标', 'That company has no bid in this section');

/** The caller's right to read opened bids in this section: which role, and for which company. */
async function readerRoleOf(db: Database, hallSection: HallSection, reader: OpenedBidReader): Promise<{ role: OpenedReaderRole; organisationId: string | null }> {
  if (reader.kind === 'evaluation') {
    if (hallSection.state !== 'evaluating') {
      throw hallRefusal(
        'RULE_VIOLATION',
        'not-evaluating',
        '本标段尚未进入评标阶段（开标记录关闭后才进入评标），评标委员会暂不能查看投标文件',
        'This section is not being evaluated yet (evaluation starts once the opening record is closed); the evaluation cannot read its bids before then',
        { sectionState: hallSection.state },
      );
    }
    return { role: 'evaluation', organisationId: null };
  }
  const me = await hallRoleOf(db, hallSection, reader.account);
  if (me.role === 'supervisor') return { role: 'supervisor', organisationId: null };
  if (me.role === 'bidder' && me.bidderOrganisationId) return { role: 'bidder', organisationId: me.bidderOrganisationId };
  throw notAllowed();
}

const actorOfReader = (reader: OpenedBidReader): TraceActor =>
  reader.account ? actorOf(reader.request, reader.account) : { ...actorOf(reader.request, null), actorName: 'evaluation' };

/** A file name for the download: section code and the company's credit code (or name), ASCII-safe and UTF-8 forms. */
function filenamesOf(sectionCode: string, company: { name: string; creditCode: string | null }) {
  const utf8 = `${sectionCode}-${company.name}-投标文件.zip`.replace(/[\\/:*?"<>|\s]+/g, '_');
  const ascii = `${sectionCode}-${company.creditCode ?? 'bid'}-opened.zip`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return { utf8, ascii };
}

async function sha256OfObject(store: ObjectStore, key: string): Promise<{ sha256: string; size: number } | null> {
  if (!(await store.head(key))) return null;
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await store.get(key)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Passes the bytes through and fails at the end if their digest is not `sha256`. */
function verifying(sha256: string) {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const got = hash.digest('hex');
      callback(got === sha256 ? null : new Error(`opened bid changed while it was read: ${got} is not ${sha256}`));
    },
  });
}

export interface OpenedBid {
  sectionId: string;
  organisationId: string;
  companyName: string;
  state: 'decrypted' | 'recovered';
  sha256: string;
  size: number;
  filename: string;
  asciiFilename: string;
  readerRole: OpenedReaderRole;
  /** The trace entry of this read (committed before the stream starts). */
  traceId: number;
  stream: Readable;
}

/**
 * One read of one opened bid, decided and traced; the bytes stream only after the trace has
 * committed. Refusals are AppErrors (Chinese, then English) with `details.reason`.
 */
export async function readOpenedBid(db: Database, store: ObjectStore, options: { sectionId: string; organisationId: string; reader: OpenedBidReader }): Promise<OpenedBid> {
  const { sectionId, organisationId, reader } = options;
  const decided = await db.transaction(async (tx) => {
    const { section: hallSection } = await loadHall(tx, sectionId);
    const who = await readerRoleOf(tx, hallSection, reader);
    if (who.role === 'bidder' && who.organisationId !== organisationId) throw notAllowed();
    const [bid] = await tx
      .select({ state: bidDecryption.state, plaintextKey: bidDecryption.plaintextKey, plaintextSha256: bidDecryption.plaintextSha256, plaintextBytes: bidDecryption.plaintextBytes, name: organisation.name, creditCode: organisation.creditCode })
      .from(bidDecryption)
      .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
      .where(and(eq(bidDecryption.sectionId, sectionId), eq(bidDecryption.organisationId, organisationId)));
    if (!bid) throw noSuchBid();
    if (!(OPENED_STATES as readonly string[]).includes(bid.state) || !bid.plaintextKey || !bid.plaintextSha256) throw notOpened(bid.state);
    const actual = await sha256OfObject(store, bid.plaintextKey);
    const base = { action: 'bid.opened.read', targetType: 'section', targetId: sectionId } as const;
    if (!actual || actual.sha256 !== bid.plaintextSha256) {
      // Refused, and the refusal is evidence: the trace entry commits with this transaction.
      await appendTrace(tx, actorOfReader(reader), {
        ...base,
        outcome: 'failed',
        digests: { expected: bid.plaintextSha256, ...(actual ? { found: actual.sha256 } : {}) },
        details: { organisation: organisationId, reader: who.role, reason: actual ? 'opened-altered' : 'opened-missing', plaintextKey: bid.plaintextKey },
      });
      return { refused: actual ? ('altered' as const) : ('missing' as const), expected: bid.plaintextSha256 };
    }
    const trace = await appendTrace(tx, actorOfReader(reader), {
      ...base,
      digests: { plaintext: bid.plaintextSha256 },
      details: { organisation: organisationId, reader: who.role, plaintextKey: bid.plaintextKey, bytes: String(actual.size), state: bid.state },
    });
    return { refused: null, bid: { ...bid, state: bid.state as OpenedBid['state'], plaintextKey: bid.plaintextKey, plaintextSha256: bid.plaintextSha256 }, size: actual.size, code: hallSection.code, role: who.role, traceId: trace.id };
  });
  if (decided.refused) {
    throw markTraced(
      hallRefusal(
        'CONFLICT',
        decided.refused === 'altered' ? 'opened-altered' : 'opened-missing',
        decided.refused === 'altered'
          ? '平台保存的该投标文件与解密时记录的摘要不一致（可能已被篡改），已拒绝提供并记入交易日志；请立即联系行政监督部门'
          : '平台找不到该投标文件的解密结果，已记入交易日志；请联系行政监督部门',
        decided.refused === 'altered'
          ? 'The stored bid does not have the digest recorded when it was decrypted (it may have been altered); it is not served, and this is in the trace log. Contact the supervisor now'
          : 'The decrypted bid is missing from the store; this is in the trace log. Contact the supervisor',
        { expectedSha256: decided.expected },
      ),
    );
  }
  const { bid, size, code, role, traceId } = decided;
  const names = filenamesOf(code, { name: bid.name, creditCode: bid.creditCode });
  const source = Readable.from((await store.get(bid.plaintextKey)) as AsyncIterable<Buffer>);
  // Errors of either end (a failed check, a store fault, the consumer gone) destroy both; the
  // consumer sees the error on the returned stream.
  const stream = pipeline(source, verifying(bid.plaintextSha256), () => {});
  return {
    sectionId,
    organisationId,
    companyName: bid.name,
    state: bid.state,
    sha256: bid.plaintextSha256,
    size,
    filename: names.utf8,
    asciiFilename: names.ascii,
    readerRole: role,
    traceId,
    stream,
  };
}

/**
 * The opened bids of a section the caller may read (for the hall page and, later, the evaluation):
 * the supervisor every opened one, a bidder its own; anyone else none. Listing reads no content and
 * is not itself traced.
 */
export async function listReadableOpenedBids(db: Database, options: { sectionId: string; reader: OpenedBidReader }) {
  const { section: hallSection } = await loadHall(db, options.sectionId);
  let who: { role: OpenedReaderRole; organisationId: string | null };
  try {
    who = await readerRoleOf(db, hallSection, options.reader);
  } catch {
    return { sectionId: hallSection.id, readerRole: null, bids: [] };
  }
  const rows = await db
    .select({ organisationId: bidDecryption.organisationId, name: organisation.name, creditCode: organisation.creditCode, state: bidDecryption.state, plaintextSha256: bidDecryption.plaintextSha256, plaintextBytes: bidDecryption.plaintextBytes })
    .from(bidDecryption)
    .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
    .where(
      and(
        eq(bidDecryption.sectionId, hallSection.id),
        inArray(bidDecryption.state, [...OPENED_STATES]),
        ...(who.organisationId ? [eq(bidDecryption.organisationId, who.organisationId)] : []),
      ),
    )
    .orderBy(asc(organisation.name));
  return {
    sectionId: hallSection.id,
    readerRole: who.role,
    bids: rows.map((r) => ({
      organisationId: r.organisationId,
      companyName: r.name,
      creditCode: r.creditCode,
      state: r.state as 'decrypted' | 'recovered',
      sha256: r.plaintextSha256,
      bytes: r.plaintextBytes,
      filename: filenamesOf(hallSection.code, r).utf8,
      url: `/api/sections/${hallSection.id}/bids/${r.organisationId}/opened`,
    })),
  };
}
