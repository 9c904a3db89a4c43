import { useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';

export interface UnlockedKey {
  certificatePem: string;
  privateKeyPem: string;
  keyId: string | null;
}

/** A refusal of the chosen key file that the page words itself (not a library error). */
export class KeyFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileProblem';
  }
}

/**
 * The bidder's PKCS#12 file and password, opened (in a worker) only when a step needs the key and
 * then kept in this page's memory until the file or password changes or the page goes away. It is
 * checked against the certificate the platform seals to, because a bid sealed to one key and
 * signed with another could not be opened by its bidder at the opening.
 */
export function useKeyFile(expected: { keyId: string | null; spki: string | null; serial: string | null }) {
  const { t } = useI18n();
  const [file, setFileState] = useState<File | null>(null);
  const [password, setPasswordState] = useState('');
  const cache = useRef<{ file: File; password: string; key: UnlockedKey } | null>(null);

  const setFile = (next: File | null) => {
    cache.current = null;
    setFileState(next);
  };
  const setPassword = (next: string) => {
    cache.current = null;
    setPasswordState(next);
  };

  async function unlock(): Promise<UnlockedKey> {
    if (!file || password === '') throw new KeyFileProblem(t('key.choose'));
    if (cache.current && cache.current.file === file && cache.current.password === password) return cache.current.key;
    const workers = await import('../../lib/bid/workers.client');
    const key = await workers.unlockKeyFile(new Uint8Array(await file.arrayBuffer()), password);
    // The same public key either way: its key id or its SubjectPublicKeyInfo bytes match.
    const sameKey = (expected.keyId !== null && key.keyId === expected.keyId) || (expected.spki !== null && key.spki === expected.spki);
    if ((expected.keyId || expected.spki) && (key.keyId || key.spki) && !sameKey) {
      throw new KeyFileProblem(t('key.notCurrent', { serial: expected.serial ?? '' }));
    }
    const unlocked = { certificatePem: key.certificatePem, privateKeyPem: key.privateKeyPem, keyId: key.keyId };
    cache.current = { file, password, key: unlocked };
    return unlocked;
  }

  async function p12Bytes(): Promise<Uint8Array> {
    if (!file) throw new KeyFileProblem(t('key.choose'));
    return new Uint8Array(await file.arrayBuffer());
  }

  return { file, password, setFile, setPassword, unlock, p12Bytes };
}

export type KeyFile = ReturnType<typeof useKeyFile>;
