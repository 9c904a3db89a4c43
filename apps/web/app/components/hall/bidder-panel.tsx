import canonicalize from 'canonicalize';
import { useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { bytesToBase64 } from '../../lib/bid/bytes';
import { describeBidError } from '../../lib/bid/describe';

/** Contexts of the hall's signed messages (packages/api/src/opening/sign-in.ts and confirm.ts). */
const SIGN_IN_CONTEXT = 'ggzy-hall-sign-in/v1';
const CONFIRM_CONTEXT = 'ggzy-opening-confirm/v1';

export interface BidderHall {
  section: { id: string };
  hall: { state: string; paused: boolean; windowOpen: boolean; confirmationRecordSha256: string | null };
  me: { organisationId: string | null };
  bidders: Array<{ organisationId: string; signedInAt: string | null; state: string; queuePosition: number | null }>;
  confirmations: Array<{ organisationId: string }>;
}

interface Unlocked {
  file: File;
  password: string;
  certificatePem: string;
  privateKeyPem: string;
  certificateId: string;
}

class Problem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileProblem';
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * The bidder's part of the opening (docs/opening-hall.md §3), in the browser: sign in with the
 * certificate (a signed challenge), unwrap the content key of the company's own stored envelope
 * from its PKCS#12 file in a worker and hand over only that key, and confirm the record with a
 * signature. The key file, its password and the private key never leave this browser.
 */
export function BidderPanel({ hall, onDone }: { hall: BidderHall; onDone: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<null | 'signIn' | 'decrypt' | 'confirm'>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const unlocked = useRef<Unlocked | null>(null);
  const sectionId = hall.section.id;
  const organisationId = hall.me.organisationId!;
  const mine = hall.bidders.find((b) => b.organisationId === organisationId);
  const confirmed = hall.confirmations.some((c) => c.organisationId === organisationId);

  /** The key file opened once (PBKDF2 takes a moment) and matched to a valid registered certificate of this account. */
  async function unlock(): Promise<Unlocked> {
    if (!file || password === '') throw new Problem(t('key.choose'));
    const cached = unlocked.current;
    if (cached && cached.file === file && cached.password === password) return cached;
    const workers = await import('../../lib/bid/workers.client');
    const key = await workers.unlockKeyFile(new Uint8Array(await file.arrayBuffer()), password);
    const mineCertificates = await browserApi().certificate.mine.query();
    const registered = mineCertificates.find((c) => c.keyId === key.keyId);
    if (!registered) throw new Problem(t('hall.key.notRegistered'));
    if (registered.status !== 'valid') throw new Problem(t('hall.key.notValid', { status: t(`hall.key.status.${registered.status}`) }));
    const next = { file, password, certificatePem: key.certificatePem, privateKeyPem: key.privateKeyPem, certificateId: registered.id };
    unlocked.current = next;
    return next;
  }

  async function signIn(key: Unlocked) {
    const challenge = await browserApi().hall.challenge.mutate({ sectionId });
    // Sign only a sign-in for this section and this company, whatever the server sent.
    const expected = canonicalize({ type: SIGN_IN_CONTEXT, sectionId, organisationId, challengeId: challenge.challengeId, challenge: challenge.challenge });
    if (challenge.message !== expected) throw new Problem(t('hall.key.badChallenge'));
    const workers = await import('../../lib/bid/workers.client');
    const signature = await workers.signInWorker(key.privateKeyPem, SIGN_IN_CONTEXT, utf8(challenge.message));
    await browserApi().hall.signIn.mutate({ sectionId, message: challenge.message, signature: bytesToBase64(signature), certificateId: key.certificateId });
  }

  const run = async (kind: 'signIn' | 'decrypt' | 'confirm', action: () => Promise<string>) => {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await onDone();
    } catch (e) {
      setError(describeBidError(e, i18n));
      await onDone().catch(() => {});
    } finally {
      setBusy(null);
    }
  };

  const doSignIn = () =>
    run('signIn', async () => {
      await signIn(await unlock());
      return t('hall.bidder.signedInDone');
    });

  const doDecrypt = () =>
    run('decrypt', async () => {
      const key = await unlock();
      if (!mine?.signedInAt) await signIn(key);
      const submissions = await browserApi().bidding.submissions.query({ sectionId });
      const current = submissions.find((s) => s.current);
      if (!current || current.kind !== 'submit' || !current.uploadId) throw new Problem(t('hall.bidder.noBid'));
      const workers = await import('../../lib/bid/workers.client');
      const { contentKey } = await workers.unwrapInWorker({ type: 'unwrap', url: `/api/bids/${encodeURIComponent(current.uploadId)}/envelope`, p12: new Uint8Array(await key.file.arrayBuffer()), password: key.password });
      try {
        const answer = await browserApi().hall.handOverKey.mutate({ sectionId, organisationId, contentKey: bytesToBase64(contentKey) });
        return answer.state === 'decrypting' ? t('hall.bidder.inQueue') : t('hall.bidder.decryptedDone');
      } finally {
        contentKey.fill(0);
      }
    });

  const doConfirm = () =>
    run('confirm', async () => {
      const key = await unlock();
      const recordSha256 = hall.hall.confirmationRecordSha256;
      if (!recordSha256) throw new Problem(t('hall.bidder.noRecord'));
      const message = canonicalize({ type: CONFIRM_CONTEXT, sectionId, organisationId, recordSha256 })!;
      const workers = await import('../../lib/bid/workers.client');
      const signature = await workers.signInWorker(key.privateKeyPem, CONFIRM_CONTEXT, utf8(message));
      await browserApi().hall.confirm.mutate({ sectionId, message, signature: bytesToBase64(signature), certificateId: key.certificateId });
      return t('hall.bidder.confirmedDone');
    });

  const state = hall.hall.state;
  const canSignIn = (state === 'open' || state === 'decrypting') && !mine?.signedInAt;
  const canDecrypt = state === 'decrypting' && hall.hall.windowOpen && (mine?.state === 'waiting' || mine?.state === 'failed');
  const canConfirm = state === 'confirming' && !confirmed;

  return (
    <section className="panel" aria-labelledby="hall-mine" data-testid="hall-bidder-panel" data-signed-in={mine?.signedInAt ? 'yes' : 'no'} data-state={mine?.state ?? ''}>
      <h2 id="hall-mine">{t('hall.bidder.panel')}</h2>
      <p className="muted small">{t('hall.bidder.panelIntro')}</p>
      {canSignIn || canDecrypt || canConfirm ? (
        <div className="key-fields">
          <label>
            {t('key.file')}
            <input
              type="file"
              accept=".p12,.pfx,application/x-pkcs12"
              data-testid="hall-p12"
              disabled={busy !== null}
              onChange={(e) => {
                unlocked.current = null;
                setFile(e.target.files?.[0] ?? null);
              }}
            />
          </label>
          <label>
            {t('key.password')}
            <input
              type="password"
              autoComplete="off"
              data-testid="hall-p12-password"
              disabled={busy !== null}
              value={password}
              onChange={(e) => {
                unlocked.current = null;
                setPassword(e.target.value);
              }}
            />
          </label>
        </div>
      ) : null}
      <p className="form-actions">
        {canSignIn ? (
          <button type="button" className="button" disabled={busy !== null || hall.hall.paused} onClick={() => void doSignIn()} data-testid="hall-sign-in">
            {busy === 'signIn' ? t('hall.bidder.working') : t('hall.bidder.signIn')}
          </button>
        ) : null}
        {canDecrypt ? (
          <button type="button" className="button" disabled={busy !== null || hall.hall.paused} onClick={() => void doDecrypt()} data-testid="hall-decrypt">
            {busy === 'decrypt' ? t('hall.bidder.decrypting') : t('hall.bidder.decrypt')}
          </button>
        ) : null}
        {canConfirm ? (
          <button type="button" className="button" disabled={busy !== null || hall.hall.paused} onClick={() => void doConfirm()} data-testid="hall-confirm">
            {busy === 'confirm' ? t('hall.bidder.working') : t('hall.bidder.confirm')}
          </button>
        ) : null}
      </p>
      {mine?.state === 'decrypting' && mine.queuePosition ? (
        <p className="muted" role="status" data-testid="hall-my-queue">
          {t('hall.bidder.queue', { n: mine.queuePosition })}
        </p>
      ) : null}
      {confirmed ? (
        <p className="ok" data-testid="hall-confirmed">
          {t('hall.bidder.confirmedDone')}
        </p>
      ) : null}
      <div aria-live="polite">
        {notice ? (
          <p className="ok" role="status" data-testid="hall-bidder-notice">
            {notice}
          </p>
        ) : null}
        {error ? (
          <p className="alert alert-error" role="alert" data-testid="hall-bidder-error">
            {error}
          </p>
        ) : null}
      </div>
      <p className="muted small">{t('hall.bidder.local')}</p>
    </section>
  );
}
