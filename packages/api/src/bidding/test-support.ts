/**
 * Helpers for the sealed-bid tests and the upload benchmark (never imported by the API itself): real
 * sections, bidder companies with certificates from the platform CA, sealing as a bidder would, the
 * signed messages, and a tiny tus client over plain fetch (the protocol is three requests).
 */
import { createKeyPairAndCsr, issueCertificate, sealEnvelope, signMessage, validateCertificate, type SealSummary } from '@ggzy/crypto';
import { account, bidUpload, certificate, executeRows, organisation, session, sql, type Database } from '@ggzy/db';
import { SCORING_TEMPLATES, creditCodeCheckCharacter } from '@ggzy/domain';
import canonicalize from 'canonicalize';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { HttpOptions } from '../http';
import { createApiHandler } from '../http';
import type { RequestInfo, Services, SessionAccount } from '../context';
import { certificateFacts } from '../certificate/certificate-facts';
import { storeCertificate } from '../certificate/store-certificate';
import { hashPassword } from '../auth/password';
import { DEMO_PASSWORD } from '../seed/demo';
import { newToken, tokenDigest } from '../auth/token';
import { SUBMIT_CONTEXT, WITHDRAW_CONTEXT } from './signed-message';
import { submitBid, type SignedRequest } from './submit';

export interface SealingInfoLike {
  suite: string;
  recipients: Array<{ role: 'bidder' | 'opening'; publicKeySpki: string }>;
  metadata: Record<string, string>;
}

/** An announced section of the demo tenderer, straight in the database, its deadline on the database clock. */
export async function announcedSection(db: Database, options: { deadlineIn?: string; state?: 'announced' | 'draft' } = {}): Promise<{ id: string; code: string }> {
  const tag = randomBytes(4).toString('hex');
  const [p] = await executeRows<{ id: string }>(
    db,
    sql`insert into project (code, name, type, method, region_code, centre_id, tenderer_id, created_by)
        values (${`BID-${tag}`}, '投标测试项目', 'construction', 'open', '990100',
                (select id from organisation where kind = 'centre' and region_code = '990100'),
                (select id from organisation where kind = 'tenderer' limit 1),
                (select id from account where username = 'tenderer')) returning id`,
  );
  const [s] = await executeRows<{ id: string; code: string }>(
    db,
    sql`insert into section (project_id, code, type, method, region_code, name, state, estimated_price, bond, bid_validity_days, scoring_method,
                             documents_from, documents_until, deadline, published_at)
        values (${p!.id}, ${`BID-${tag}-01`}, 'construction', 'open', '990100', '施工总承包', ${options.state ?? 'announced'}, 100000000, 0, 90,
                ${JSON.stringify(SCORING_TEMPLATES.comprehensive)}::jsonb, now() - interval '21 days', now() - interval '1 day',
                clock_timestamp() + ${options.deadlineIn ?? '1 day'}::interval, now() - interval '21 days')
        returning id, code`,
  );
  return s!;
}

/** Moves a section's deadline relative to the database clock, e.g. '-1 millisecond' or '300 milliseconds'. */
export async function setDeadline(db: Database, sectionId: string, fromNow: string): Promise<Date> {
  const [row] = await executeRows<{ deadline: Date | string }>(db, sql`update section set deadline = clock_timestamp() + ${fromNow}::interval where id = ${sectionId} returning deadline`);
  return new Date(row!.deadline);
}

export interface TestBidder {
  username: string;
  account: SessionAccount;
  creditCode: string;
  privateKeyPem: string;
  certificatePem: string;
  certificateId: string;
  /** A session cookie (and the CSRF pair) for HTTP requests. */
  cookie: string;
}

type Enrolment = Awaited<ReturnType<typeof createKeyPairAndCsr>>;

function enrolmentFor(holder: { name: string; creditCode: string }): Promise<Enrolment> {
  const code17 = holder.creditCode.slice(0, 17);
  const creditCode = code17 + creditCodeCheckCharacter(code17);
  return createKeyPairAndCsr({ subject: { commonName: holder.name, organisation: holder.name, creditCode } });
}

function issueWithoutRow(services: Pick<Services, 'pki'>, enrolment: Enrolment) {
  const { certificatePem } = issueCertificate({ ca: services.pki.ca, csrPem: enrolment.csrPem, usage: 'bidder', validityDays: 365 });
  const validated = validateCertificate({ certificatePem, trustedRootPems: [services.pki.ca.certificatePem], at: new Date(), requiredUsage: 'both' });
  return { privateKeyPem: enrolment.privateKeyPem, certificatePem, validated };
}

/** Records the certificate as `certificate.enrol` does (storeCertificate: the row and its trace entry). */
async function recordCertificate(db: Database, issued: ReturnType<typeof issueWithoutRow>, holder: SessionAccount) {
  const { validated, certificatePem, privateKeyPem } = issued;
  const request: RequestInfo = { requestId: `test-support-${randomUUID()}`, ip: null, userAgent: 'test-support', cookies: {}, csrfHeader: null };
  const row = await storeCertificate(db, { request, account: holder, pem: certificatePem, validated, action: 'certificate.enrol' });
  return { privateKeyPem, certificatePem, certificateId: row.id };
}

/**
 * The one fixture path that writes the certificate row itself: `createBidders(…, { sharedKey: true })`
 * issues every company's certificate for one and the same key, which storeCertificate refuses (a key
 * identifies one holder, because the envelope finds its recipient by key id alone). Those bidders
 * only serve tests where nothing but the section lock matters; no trace entry is written for them.
 */
async function insertSharedKeyCertificate(db: Database, issued: ReturnType<typeof issueWithoutRow>, holder: { accountId: string; organisationId: string }) {
  const { validated, certificatePem, privateKeyPem } = issued;
  const facts = certificateFacts(certificatePem);
  const [row] = await db
    .insert(certificate)
    .values({
      accountId: holder.accountId,
      organisationId: holder.organisationId,
      serial: validated.serialNumber,
      issuerSha256: facts.issuerSha256,
      issuer: facts.issuer,
      subject: facts.subject,
      keyId: validated.keyId,
      algorithm: 'rsa',
      pem: certificatePem,
      notBefore: validated.notBefore,
      notAfter: validated.notAfter,
    })
    .returning({ id: certificate.id });
  return { privateKeyPem, certificatePem, certificateId: row!.id };
}

/** Issues a platform-CA certificate for an account's organisation and records it, as `certificate.enrol` would. */
export async function issueTestCertificate(services: Pick<Services, 'db' | 'pki'>, holder: SessionAccount, subject: { name: string; creditCode: string }) {
  return recordCertificate(services.db, issueWithoutRow(services, await enrolmentFor(subject)), holder);
}

/**
 * `count` bidder companies, each with one account, a session and a certificate, made directly in the
 * database (set-up for the race test and the benchmark; the certificate rules are tested elsewhere)
 * except the certificate, which is recorded as enrolment records it (storeCertificate).
 * Making an RSA key and its request costs a few hundred milliseconds of CPU; with `sharedKey` every
 * company's certificate is issued for one and the same key and request (tests where only the lock
 * matters), which leaves only the CA's signature per company; those rows are written directly
 * (insertSharedKeyCertificate), since storeCertificate refuses a key already in another account's certificate.
 */
export async function createBidders(
  services: Pick<Services, 'db' | 'pki'>,
  count: number,
  options: { concurrency?: number; sharedKey?: boolean } = {},
): Promise<TestBidder[]> {
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const passwordHash = await hashPassword(randomBytes(12).toString('base64'));
  const bidders: TestBidder[] = [];
  const shared = options.sharedKey ? enrolmentFor({ name: `投标测试单位${tag}有限公司`, creditCode: `91990100M${tag.slice(0, 4)}9999` }) : null;
  const make = async (i: number) => {
    const code17 = `91990100M${tag.slice(0, 4)}${String(i).padStart(4, '0')}`;
    const creditCode = code17 + creditCodeCheckCharacter(code17);
    const name = `投标压测单位${tag}-${i}有限公司`;
    const [org] = await services.db.insert(organisation).values({ kind: 'bidder', name, creditCode, regionCode: '990100' }).returning({ id: organisation.id });
    const username = `bench-${tag}-${i}`.toLowerCase();
    const [acc] = await services.db
      .insert(account)
      .values({ username, displayName: `投标员${i}`, passwordHash, role: 'bidder', organisationId: org!.id, regionCode: '990100' })
      .returning({ id: account.id });
    const token = newToken();
    const [s] = await services.db
      .insert(session)
      .values({ tokenHash: tokenDigest(token), accountId: acc!.id, expiresAt: sql`now() + interval '12 hours'` })
      .returning({ id: session.id });
    const sessionAccount: SessionAccount = { sessionId: s!.id, accountId: acc!.id, username, displayName: `投标员${i}`, role: 'bidder', organisationId: org!.id, organisationName: name, organisationCreditCode: creditCode, regionCode: '990100' };
    const cert = shared
      ? await insertSharedKeyCertificate(services.db, issueWithoutRow(services, await shared), { accountId: acc!.id, organisationId: org!.id })
      : await recordCertificate(services.db, issueWithoutRow(services, await enrolmentFor({ name, creditCode })), sessionAccount);
    bidders[i] = {
      username,
      account: sessionAccount,
      creditCode,
      ...cert,
      cookie: `ggzy_session=${token}; ggzy_csrf=bench-csrf`,
    };
  };
  const concurrency = options.concurrency ?? 4;
  for (let next = 0; next < count; next += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - next) }, (_, k) => make(next + k)));
  }
  return bidders;
}

export const CSRF_HEADERS = { 'x-csrf-token': 'bench-csrf' };

/** Seals `plaintext` as the bidder's browser or CLI would, to the recipients sealingInfo named. */
export async function sealBid(info: SealingInfoLike, plaintext: Uint8Array | AsyncIterable<Uint8Array>, options: { chunkSize?: number } = {}) {
  const sealed = await sealEnvelope({
    plaintext: plaintext instanceof Uint8Array ? [plaintext] : plaintext,
    recipients: info.recipients.map((r) => ({ role: r.role, publicKey: new Uint8Array(Buffer.from(r.publicKeySpki, 'base64')) })),
    metadata: info.metadata,
    chunkSize: options.chunkSize,
  });
  const parts: Uint8Array[] = [];
  for await (const part of sealed.bytes) parts.push(part.slice());
  const summary: SealSummary = await sealed.summary;
  return { bytes: Buffer.concat(parts), summary, header: sealed.header, headerBytes: sealed.headerBytes };
}

export function signedSubmit(bidder: Pick<TestBidder, 'privateKeyPem' | 'certificateId'>, fields: { sectionId: string; organisationId: string; uploadId: string; ciphertextSha256: string; envelopeBytes: number }): SignedRequest {
  const message = canonicalize({ type: SUBMIT_CONTEXT, ...fields })!;
  const signature = signMessage(bidder.privateKeyPem, SUBMIT_CONTEXT, new TextEncoder().encode(message));
  return { message, signature: Buffer.from(signature).toString('base64'), certificateId: bidder.certificateId };
}

export function signedWithdraw(bidder: Pick<TestBidder, 'privateKeyPem' | 'certificateId'>, fields: { sectionId: string; organisationId: string }): SignedRequest {
  const message = canonicalize({ type: WITHDRAW_CONTEXT, ...fields, nonce: randomBytes(18).toString('base64') })!;
  const signature = signMessage(bidder.privateKeyPem, WITHDRAW_CONTEXT, new TextEncoder().encode(message));
  return { message, signature: Buffer.from(signature).toString('base64'), certificateId: bidder.certificateId };
}

/** The API on a real node:http server on a free port. */
export async function startTestServer(services: Services, options: Partial<HttpOptions> = {}): Promise<{ base: string; server: Server; close(): Promise<void> }> {
  const server = createServer(createApiHandler(services, { trustProxy: 'none', ...options }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    base,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** tus 1.0.0 over fetch: creation, offset query, and appending bytes at an offset. */
export class TusClient {
  constructor(
    readonly base: string,
    readonly headers: Record<string, string>,
  ) {}

  async create(sectionId: string, length: number, options: { filename?: string; csrf?: boolean } = {}) {
    const metadata = [`sectionId ${Buffer.from(sectionId).toString('base64')}`, ...(options.filename ? [`filename ${Buffer.from(options.filename).toString('base64')}`] : [])].join(',');
    const headers: Record<string, string> = { ...this.headers, 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': metadata };
    if (options.csrf === false) delete headers['x-csrf-token'];
    const response = await fetch(`${this.base}/api/uploads`, { method: 'POST', headers });
    const location = response.headers.get('location');
    return { status: response.status, url: location ? new URL(location, this.base).toString() : null, body: await response.text(), contentType: response.headers.get('content-type') };
  }

  async head(url: string) {
    const response = await fetch(url, { method: 'HEAD', headers: { ...this.headers, 'tus-resumable': '1.0.0' } });
    return { status: response.status, offset: Number(response.headers.get('upload-offset')), length: Number(response.headers.get('upload-length')) };
  }

  async patch(url: string, offset: number, body: Uint8Array | ReadableStream<Uint8Array>, init: { signal?: AbortSignal } = {}) {
    const response = await fetch(url, {
      method: 'PATCH',
      headers: { ...this.headers, 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      body,
      ...(body instanceof Uint8Array ? {} : { duplex: 'half' }),
      signal: init.signal,
    } as RequestInit);
    return { status: response.status, offset: Number(response.headers.get('upload-offset')), body: await response.text(), contentType: response.headers.get('content-type') };
  }

  /** Creates and sends the whole file in one PATCH; returns the upload id. */
  async upload(sectionId: string, bytes: Uint8Array): Promise<string> {
    const created = await this.create(sectionId, bytes.length);
    if (created.status !== 201 || !created.url) throw new Error(`tus create answered ${created.status}: ${created.body}`);
    const sent = await this.patch(created.url, 0, bytes);
    if (sent.status !== 204) throw new Error(`tus patch answered ${sent.status}: ${sent.body}`);
    return uploadIdOf(created.url);
  }
}

export const uploadIdOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;

/**
 * Signs a demo account in through `auth.login` over HTTP, as the browser does; the headers its
 * later calls carry (session cookie, CSRF cookie and header).
 */
export async function signInOverHttp(base: string, username: string, password = DEMO_PASSWORD): Promise<Record<string, string>> {
  const response = await fetch(`${base}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'ggzy_csrf=c', 'x-csrf-token': 'c' },
    body: JSON.stringify({ username, password }),
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('ggzy_session='))?.split(';')[0];
  if (!session) throw new Error(`sign-in of ${username} failed: ${response.status} ${await response.text()}`);
  return { cookie: `${session}; ggzy_csrf=c`, 'x-csrf-token': 'c' };
}

/** tRPC over HTTP as the web app calls it (no transformer): queries by GET, mutations by POST. */
export async function trpcCall<T>(base: string, headers: Record<string, string>, path: string, input: unknown, type: 'query' | 'mutation'): Promise<{ ok: true; data: T } | { ok: false; status: number; error: { code: string; zh: string; en: string; details: Record<string, unknown> } }> {
  const response =
    type === 'query'
      ? await fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${base}/api/trpc/${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const body = (await response.json()) as { result?: { data: T }; error?: { data: { app: { code: string; zh: string; en: string; details: Record<string, unknown> } } } };
  if (body.result) return { ok: true, data: body.result.data };
  return { ok: false, status: response.status, error: body.error!.data.app };
}

/**
 * Records an envelope already put into the store at `bidObjectKey(section, uploadId)` as the bidder's
 * completed upload (the facts the upload's inspection would have recorded) and submits it with the
 * bidder's signed request, as the upload and `bidding.submit` would. For fixtures that seal in-process.
 */
export async function submitStoredEnvelope(
  services: Services,
  section: { id: string; code: string },
  bidder: TestBidder,
  envelope: { uploadId: string; summary: SealSummary; headerBytes: Uint8Array; suite: string; recipientKeyIds: string[] },
): Promise<void> {
  const { uploadId, summary } = envelope;
  await services.db.insert(bidUpload).values({
    id: uploadId, sectionId: section.id, organisationId: bidder.account.organisationId!, accountId: bidder.account.accountId, length: summary.envelopeBytes, completedAt: new Date(),
    ciphertextSha256: summary.ciphertextSha256, headerSha256: createHash('sha256').update(envelope.headerBytes).digest('hex'), suite: envelope.suite,
    headerSection: section.code, headerBidder: bidder.creditCode, recipientKeyIds: envelope.recipientKeyIds,
  });
  const request = signedSubmit(bidder, { sectionId: section.id, organisationId: bidder.account.organisationId!, uploadId, ciphertextSha256: summary.ciphertextSha256, envelopeBytes: summary.envelopeBytes });
  await submitBid({ services, request: { requestId: randomUUID(), ip: null, userAgent: 'vitest', cookies: {}, csrfHeader: null }, account: bidder.account }, request);
}
