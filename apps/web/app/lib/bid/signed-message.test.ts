import { describe, expect, test } from 'vitest';
import { submitMessage, withdrawMessage } from './signed-message';

describe('the signed submit and withdraw messages (docs/sealed-bids.md §5)', () => {
  test('a submit is the RFC 8785 canonical JSON: keys sorted, no spaces, numbers as JSON writes them', () => {
    const text = submitMessage({
      sectionId: '00000000-0000-4000-8000-000000000001',
      organisationId: '00000000-0000-4000-8000-000000000002',
      uploadId: '00000000-0000-4000-8000-000000000003',
      ciphertextSha256: 'ab'.repeat(32),
      envelopeBytes: 52_428_999,
    });
    expect(text).toBe(
      `{"ciphertextSha256":"${'ab'.repeat(32)}","envelopeBytes":52428999,"organisationId":"00000000-0000-4000-8000-000000000002","sectionId":"00000000-0000-4000-8000-000000000001","type":"ggzy-bid-submit/v1","uploadId":"00000000-0000-4000-8000-000000000003"}`,
    );
  });

  test('every withdrawal carries a fresh random nonce, so none can be replayed as another', () => {
    const facts = { sectionId: '00000000-0000-4000-8000-000000000001', organisationId: '00000000-0000-4000-8000-000000000002' };
    const [a, b] = [JSON.parse(withdrawMessage(facts)), JSON.parse(withdrawMessage(facts))];
    expect(a.type).toBe('ggzy-bid-withdraw/v1');
    expect(a.nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a.nonce).not.toBe(b.nonce);
  });
});
