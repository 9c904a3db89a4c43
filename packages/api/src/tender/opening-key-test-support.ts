/**
 * What the opening-key tests (RSA and GM/T) share: the database clock, a certificate's key for the
 * envelope reader, collecting bytes, and every value the ceremony and the trace log stored (for the
 * "nothing private is stored" scans).
 */
import { sm2PrivateKeyFromPem, type EnvelopePrivateKey } from '@ggzy/crypto';
import { executeRows, sql, type Database } from '@ggzy/db';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { TestClient, TestPlatform } from '../testing';
import { uploadDocument } from './documents';
import { sectionDraft } from './fixtures';

const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

export async function dbNow(db: Database): Promise<Date> {
  const [row] = await executeRows<{ now: string | Date }>(db, sql`select now() as now`);
  return new Date(row!.now);
}

/** The envelope reader's key for a certificate's PKCS#8 PEM: SM2, or RSA-OAEP through WebCrypto. */
export async function privateKeyOf(pem: string): Promise<EnvelopePrivateKey> {
  const sm2 = sm2PrivateKeyFromPem(pem);
  if (sm2) return sm2;
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return globalThis.crypto.subtle.importKey('pkcs8', der, RSA_OAEP, false, ['decrypt']);
}

export async function collect(bytes: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const part of bytes) parts.push(Buffer.from(part));
  return new Uint8Array(Buffer.concat(parts));
}

/** Every bytea (as hex), text and jsonb value in the tables the ceremony and the trace log write. */
export async function storedValues(db: Database): Promise<string[]> {
  const columns = await executeRows<{ table_name: string; column_name: string; data_type: string }>(
    db,
    sql`select table_name, column_name, data_type from information_schema.columns
        where table_schema = current_schema() and (table_name like 'opening_key%' or table_name = 'trace_entry')
          and data_type in ('bytea', 'text', 'jsonb')`,
  );
  expect(columns.length).toBeGreaterThan(8);
  const values: string[] = [];
  for (const c of columns) {
    const column = sql.identifier(c.column_name);
    const expression = c.data_type === 'bytea' ? sql`encode(${column}, 'hex')` : sql`${column}::text`;
    const rows = await executeRows<{ v: string | null }>(db, sql`select ${expression} as v from ${sql.identifier(c.table_name)}`);
    for (const row of rows) if (row.v) values.push(row.v.toLowerCase());
  }
  return values;
}

/** A draft section of the tenderer with `overrides`, and its tender document uploaded (publication needs one). */
export async function draftWithDocument(p: TestPlatform, tenderer: TestClient, overrides: Record<string, unknown>): Promise<string> {
  const created = await tenderer.caller.tender.create(sectionDraft(await dbNow(p.services.db), overrides));
  const me = (await tenderer.caller.auth.me())!;
  await uploadDocument({
    db: p.services.db,
    store: p.services.store,
    request: { requestId: 'test-upload', ip: null, userAgent: 'vitest', cookies: {}, csrfHeader: null },
    account: { sessionId: '', ...me },
    sectionId: created.sectionId,
    filename: '招标文件.pdf',
    contentType: 'application/pdf',
    body: Readable.from([Buffer.from('%PDF-1.7 招标文件')]),
  });
  return created.sectionId;
}
