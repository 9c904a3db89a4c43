import { describe, expect, it } from 'vitest';
import { subjectMismatch } from './subject-rules';

const owner = { displayName: '王强（示例建工）', organisationName: '示例建工集团有限公司', creditCode: '91990100MA0000061X' };

describe('whose name a certificate may carry', () => {
  it('accepts the organisation as O, its credit code, and as CN the organisation or the holder', () => {
    expect(subjectMismatch({ commonName: '示例建工集团有限公司', organisation: '示例建工集团有限公司', creditCode: '91990100MA0000061X' }, owner)).toBeNull();
    expect(subjectMismatch({ commonName: '王强（示例建工）', organisation: '示例建工集团有限公司', creditCode: '91990100MA0000061X' }, owner)).toBeNull();
  });

  it('refuses another organisation, another credit code or a stranger’s name, saying what to put', () => {
    for (const subject of [
      { commonName: '示例建工集团有限公司', organisation: '东江路桥工程有限公司', creditCode: '91990100MA0000061X' },
      { commonName: '示例建工集团有限公司', organisation: '示例建工集团有限公司', creditCode: '91990121MA0000071Y' },
      { commonName: '李明', organisation: '示例建工集团有限公司', creditCode: '91990100MA0000061X' },
      { commonName: '示例建工集团有限公司', organisation: '示例建工集团有限公司', creditCode: undefined },
    ]) {
      const mismatch = subjectMismatch(subject, owner);
      expect(mismatch?.zh).toContain('应填写：O=示例建工集团有限公司');
      expect(mismatch?.en).toContain('serialNumber=91990100MA0000061X');
    }
  });

  it('refuses every subject for an account without an organisation (the platform profile needs a credit code)', () => {
    expect(subjectMismatch({ commonName: '张伟', organisation: '张伟', creditCode: undefined }, { displayName: '张伟', organisationName: null, creditCode: null })).not.toBeNull();
  });
});
