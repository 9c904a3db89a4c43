/** Test fixtures: a real database (PGlite or PostgreSQL) and a real disk store, never mocks. */
import { createCheckpointSigner, sequenceTrace } from '@ggzy/audit';
import { createKeyPairAndCsr, createPlatformCa, type PlatformCa } from '@ggzy/crypto';
import { issueDocumentSigningCertificate, type PdfKeySigner } from '@ggzy/pdf';
import { account, eq, organisation } from '@ggzy/db';
import { createTestDatabase, type TestDatabase } from '@ggzy/db/testing';
import { createDiskStore } from '@ggzy/storage';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSRF_COOKIE, SESSION_COOKIE, type RequestInfo, type Services } from './context';
import { createReceiptSigner } from './bidding/receipt';

// Sealed-bid fixtures, also used by the upload benchmark.
export { CUSTODIANS, enrolCustodians, publishedCustodianSection, submitCustodianBids, type TestCustodian } from './opening/recovery-test-support';
export { announcedSection, createBidders, sealBid, setDeadline, signedSubmit, signedWithdraw, signInOverHttp, startTestServer, submitStoredEnvelope, trpcCall, TusClient, type TestBidder } from './bidding/test-support';
// The decryption benchmark stores sealed envelopes and submits them as the API does.
export { bidObjectKey } from './bidding/uploads';
export { SIGN_IN_CONTEXT } from './opening/sign-in';
// The expert pool and draw (issue 13): a section in `evaluating`, a specialty tree, a pool as CSV.
export { evaluatingSection, expertAccounts, poolCsv, poolRows, residentId, saveTestSpecialties } from './evaluation/test-support';
import { createContext } from './http';
import { createCallerFactory } from './trpc';
import { appRouter } from './router';
import { seedDemo, DEMO_PASSWORD } from './seed/demo';
import { loadShippedHolidays } from './tender/shipped-holidays';
import type { Role } from '@ggzy/domain';

/** One demo account per role. */
export const DEMO_ACCOUNT_OF: Record<Role, string> = {
  bidder: 'bidder1',
  tenderer: 'tenderer',
  agency: 'agency',
  expert: 'expert1',
  centre: 'centre',
  supervisor: 'supervisor',
  guarantor: 'guarantor',
};

export interface TestPlatform {
  services: Services;
  database: TestDatabase;
  close(): Promise<void>;
}

// One CA per test process: making an RSA key for every test platform would only cost time.
let testCa: Promise<PlatformCa> | null = null;
export function testPlatformCa(): Promise<PlatformCa> {
  testCa ??= createPlatformCa({ commonName: '测试平台 CA', organisation: '公共资源交易平台（测试）', validityYears: 5, modulusLength: 2048 });
  return testCa;
}
let testSm2Ca: Promise<PlatformCa> | null = null;
export function testPlatformSm2Ca(): Promise<PlatformCa> {
  testSm2Ca ??= createPlatformCa({ commonName: '测试平台 SM2 CA', organisation: '公共资源交易平台（测试）', validityYears: 5, algorithm: 'sm2' });
  return testSm2Ca;
}

let testPdfSigner_: Promise<PdfKeySigner> | null = null;
/** The platform's document-signing certificate for tests, issued once per process by the test CA. */
export function testPdfSigner(): Promise<PdfKeySigner> {
  testPdfSigner_ ??= testPlatformCa().then((ca) => issueDocumentSigningCertificate(ca));
  return testPdfSigner_;
}

export async function createTestPlatform(options: { seed?: boolean; anonymousRefusalLimit?: { burst: number; perMinute: number } } = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'ggzy-store-'));
  const store = createDiskStore({ dir: join(dir, 'objects') });
  await store.ensureReady();
  const signer = createCheckpointSigner({ origin: 'ggzy.test/trace-log', seed: new Uint8Array(32).fill(1) });
  let sequencing: Promise<unknown> = Promise.resolve();
  const services: Services = {
    db: database.db,
    store,
    signer,
    receiptSigner: createReceiptSigner(new Uint8Array(32).fill(2)),
    pki: { ca: await testPlatformCa(), sm2Ca: await testPlatformSm2Ca(), trustedRootsPem: [] },
    pdfSigner: await testPdfSigner(),
    sequenceNow: () => {
      const run = sequencing.then(async () => {
        for (;;) {
          const result = await sequenceTrace(database.db, signer);
          if (!result.ran || result.sequenced === 0) break;
        }
      });
      sequencing = run.catch(() => {});
      return run;
    },
    settings: {
      sessionTtlHours: 12,
      sessionIdleMinutes: 120,
      secureCookies: false,
      ocidPrefix: 'ocds-ggzy01',
      publicUrl: 'http://localhost:3000',
      uploadDir: join(dir, 'uploads'),
      // Tests call many procedures anonymously from one address; refusals.test.ts sets a tight limit.
      anonymousRefusalLimit: options.anonymousRefusalLimit ?? { burst: 100_000, perMinute: 100_000 },
    },
  };
  if (options.seed !== false) {
    await seedDemo(database.db);
    // Test data: the published notices and the projected years, so working days count on any date.
    await loadShippedHolidays(database.db, { projected: true });
  }
  return {
    services,
    database,
    close: async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const createCaller = createCallerFactory(appRouter);

export interface TestClient {
  caller: ReturnType<typeof createCaller>;
  cookies: Record<string, string>;
}

/** A caller that behaves like a browser: it keeps the cookies the API sets and sends the CSRF header. */
export function testClient(services: Services, options: { csrf?: boolean; ip?: string } = {}): TestClient {
  const cookies: Record<string, string> = { [CSRF_COOKIE]: 'test-csrf-token' };
  const request = (): RequestInfo => ({
    requestId: `test-${Math.random().toString(36).slice(2, 10)}`,
    ip: options.ip ?? '203.0.113.7',
    userAgent: 'vitest',
    cookies: { ...cookies },
    csrfHeader: options.csrf === false ? null : 'test-csrf-token',
  });
  // Each call gets a fresh context (a fresh request), as over HTTP.
  const caller = createCaller(() =>
    createContext(services, request(), {
      set: (name, value) => {
        cookies[name] = value;
      },
      clear: (name) => {
        delete cookies[name];
      },
    }),
  );
  return { caller, cookies };
}

export async function signedIn(services: Services, username: string): Promise<TestClient> {
  const client = testClient(services);
  await client.caller.auth.login({ username, password: DEMO_PASSWORD });
  if (!client.cookies[SESSION_COOKIE]) throw new Error('login did not set a session cookie');
  return client;
}

export interface TestCertificate {
  /** PKCS#8 PEM: in real life it never leaves the holder (PKCS#12 file); tests keep it to sign. */
  privateKeyPem: string;
  certificatePem: string;
  certificateId: string;
}

/**
 * A certificate for a demo account, through the real `certificate.enrol` procedure: a fresh RSA-2048
 * key pair and a request whose subject is the account's organisation (CN = O = its name,
 * serialNumber = its 统一社会信用代码).
 */
export async function enrolTestCertificate(services: Services, username: string): Promise<TestCertificate> {
  const [holder] = await services.db
    .select({ organisationName: organisation.name, creditCode: organisation.creditCode })
    .from(account)
    .innerJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.username, username));
  if (!holder?.creditCode) throw new Error(`${username} has no organisation with a credit code to enrol for`);
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({
    subject: { commonName: holder.organisationName, organisation: holder.organisationName, creditCode: holder.creditCode },
  });
  const client = await signedIn(services, username);
  const enrolled = await client.caller.certificate.enrol({ csrPem });
  return { privateKeyPem, certificatePem: enrolled.certificatePem, certificateId: enrolled.id };
}
