import type { Receipt } from '@ggzy/api';
import type { BidBundlePart, OpeningSchedule } from '@ggzy/domain/bid';
import { useEffect, useRef, useState } from 'react';
import { useBlocker, useRevalidator } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import type { ServerApi } from '../../lib/api.server';
import { bytesToBase64 } from '../../lib/bid/bytes';
import { describeBidError } from '../../lib/bid/describe';
import { discardLocalBid, envelopeFile, loadLocalBid, newEnvelopeName, removeEnvelope, saveLocalBid, sweepOrphanEnvelopes, uploadFingerprint, type LocalBid } from '../../lib/bid/local-bid';
import { formatBytes } from '../../lib/money';
import { SUBMIT_CONTEXT, WITHDRAW_CONTEXT, submitMessage, withdrawMessage } from '../../lib/bid/signed-message';
import { advance, startTransfer, type Transfer } from './transfer-progress';
import type { KeyFile } from './use-key-file';

/** bidding.sealingInfo (docs/sealed-bids.md §3). */
export type SealingInfo = Awaited<ReturnType<ServerApi['bidding']['sealingInfo']['query']>>;

export type Notice = { kind: 'ok' | 'warning' | 'error'; text: string } | null;

export type Busy = 'sealing' | 'uploading' | 'submitting' | 'withdrawing' | null;

/** What the server holds of an unfinished upload: the bytes it has, or 'unknown' if it cannot say. */
export type Resumable = { offset: number; length: number } | 'unknown' | null;

export interface BidFiles {
  part: BidBundlePart;
  file: File;
}

const utf8 = new TextEncoder();

/**
 * The bid page's steps: seal (worker → OPFS), upload (tus, resumable), submit or withdraw (signed),
 * with what this browser remembers between visits (local-bid.ts). Every step reports progress or
 * a message the bidder can act on; the server's answers (deadline passed, refused) are shown as is.
 */
export function useBidFlow(options: { accountId: string; organisationId: string; sealing: SealingInfo; keyFile: KeyFile }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const { accountId, organisationId, sealing, keyFile } = options;
  const sectionId = sealing.section.id;
  const [local, setLocal] = useState<LocalBid | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  const [resumable, setResumable] = useState<Resumable>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const cancelRef = useRef<(() => void) | null>(null);
  const pauseRef = useRef<(() => Promise<void>) | null>(null);
  const describe = (error: unknown) => describeBidError(error, i18n, { maxEnvelopeBytes: sealing.maxEnvelopeBytes, suite: sealing.suite });

  const remember = (bid: LocalBid | null) => {
    if (bid) saveLocalBid(bid);
    setLocal(bid);
  };

  // On arrival: what this browser sealed before, whether the envelope is still here, and how far
  // the server has its upload; then tidy away envelopes nothing refers to any more.
  useEffect(() => {
    let alive = true;
    void (async () => {
      const remembered = loadLocalBid(accountId, sectionId);
      if (remembered && !(await envelopeFile(remembered.opfsName))) {
        await discardLocalBid(remembered);
        if (alive) setNotice({ kind: 'warning', text: t('bid.envelopeLost') });
      } else if (remembered && alive) {
        setLocal(remembered);
        if (remembered.upload && !remembered.upload.complete) {
          const { serverOffset } = await import('../../lib/bid/upload.client');
          const at = await serverOffset(remembered.upload.url).catch(() => null);
          if (alive) setResumable(at ?? 'unknown');
        }
      }
      await sweepOrphanEnvelopes().catch(() => {});
    })();
    return () => {
      alive = false;
    };
    // Once per section and account: the page's own actions keep the state up to date afterwards.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [accountId, sectionId]);

  // Leaving while sealing or uploading stops the work in progress (an upload resumes later): ask
  // first, whether the tab is closed or another page of the site is opened.
  const working = busy === 'sealing' || busy === 'uploading';
  useEffect(() => {
    if (!working) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [working]);
  const blocker = useBlocker(working);
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm(t('bid.leaveWarning'))) blocker.proceed();
    else blocker.reset();
  }, [blocker, t]);
  // Gone from the page: stop sending (the server keeps what it has) and stop sealing, so that a
  // later visit does not race a forgotten upload.
  useEffect(
    () => () => {
      void pauseRef.current?.();
      cancelRef.current?.();
    },
    [],
  );

  async function seal(schedule: OpeningSchedule, files: BidFiles[]) {
    setNotice(null);
    setReceipt(null);
    setBusy('sealing');
    const opfsName = newEnvelopeName(sectionId);
    try {
      // The key file is checked first: sealing a large bid to a certificate whose key the bidder
      // does not have would waste the minutes before the deadline.
      await keyFile.unlock();
      const workers = await import('../../lib/bid/workers.client');
      const total = files.reduce((n, f) => n + f.file.size, 0);
      setTransfer(startTransfer(total));
      const run = workers.sealInWorker(
        {
          type: 'seal',
          opfsName,
          schedule,
          files: files.map((f) => ({ part: f.part, name: f.file.name, file: f.file })),
          recipients: sealing.recipients.map((r) => ({ role: r.role, publicKeySpki: r.publicKeySpki })),
          metadata: sealing.metadata,
          suite: sealing.suite,
          chunkSize: sealing.chunkSize,
          maxEnvelopeBytes: sealing.maxEnvelopeBytes,
        },
        (p) => setTransfer((current) => advance(current ?? startTransfer(p.totalBytes), p.plaintextBytes, p.totalBytes)),
      );
      cancelRef.current = run.cancel;
      const summary = await run.done;
      if (local) await discardLocalBid(local);
      remember({
        version: 1,
        accountId,
        sectionId,
        opfsName,
        suite: summary.suite,
        ciphertextSha256: summary.ciphertextSha256,
        envelopeBytes: summary.envelopeBytes,
        plaintextBytes: summary.plaintextBytes,
        sealedAt: new Date().toISOString(),
        files: files.map((f) => ({ part: f.part, name: f.file.name, size: f.file.size })),
        upload: null,
      });
      setResumable(null);
    } catch (error) {
      await removeEnvelope(opfsName);
      if ((error as { failure?: { code?: string } }).failure?.code !== 'cancelled') setNotice({ kind: 'error', text: describe(error) });
    } finally {
      cancelRef.current = null;
      setBusy(null);
    }
  }

  async function upload() {
    if (!local) return;
    setNotice(null);
    setBusy('uploading');
    let bid = local;
    try {
      const file = await envelopeFile(bid.opfsName);
      if (!file) {
        await discardLocalBid(bid);
        setLocal(null);
        throw new Error(t('bid.envelopeLost'));
      }
      const { uploadEnvelope } = await import('../../lib/bid/upload.client');
      const resumedFrom = resumable && resumable !== 'unknown' ? resumable.offset : 0;
      setTransfer(startTransfer(file.size, resumedFrom));
      const running = uploadEnvelope({
        file,
        sectionId,
        fingerprint: uploadFingerprint(bid),
        onUrl: (url) => {
          if (bid.upload?.url !== url) remember((bid = { ...bid, upload: { url, complete: false } }));
        },
        onProgress: (sent, total) => setTransfer((current) => advance(current ?? startTransfer(total, sent), sent, total)),
      });
      pauseRef.current = running.pause;
      const url = await running.done;
      remember((bid = { ...bid, upload: { url, complete: true } }));
      setResumable(null);
      setNotice({ kind: 'ok', text: t('bid.uploaded', { size: formatBytes(bid.envelopeBytes) }) });
    } catch (error) {
      const refused = (error as { api?: unknown; name?: string }).name === 'UploadRefused' && (error as { api?: unknown }).api;
      if ((error as { name?: string }).name === 'UploadPaused') setResumable('unknown');
      else if (refused) setNotice({ kind: 'error', text: t('bid.uploadRefused', { reason: describe(error) }) });
      else if (error instanceof Error && error.message === t('bid.envelopeLost')) setNotice({ kind: 'warning', text: error.message });
      else {
        setResumable('unknown');
        setNotice({ kind: 'warning', text: t('bid.uploadInterrupted') });
      }
      await refreshOffset(bid);
    } finally {
      pauseRef.current = null;
      setBusy(null);
    }
  }

  async function refreshOffset(bid: LocalBid) {
    if (!bid.upload || bid.upload.complete) return;
    const { serverOffset } = await import('../../lib/bid/upload.client');
    const at = await serverOffset(bid.upload.url).catch(() => null);
    setResumable(at ?? 'unknown');
  }

  async function pause() {
    await pauseRef.current?.();
  }

  function cancelSeal() {
    cancelRef.current?.();
  }

  async function submit(replacing: boolean) {
    if (!local?.upload?.complete || !sealing.certificate) return;
    setNotice(null);
    setBusy('submitting');
    try {
      const key = await keyFile.unlock();
      const { uploadIdOf } = await import('../../lib/bid/upload.client');
      const workers = await import('../../lib/bid/workers.client');
      const message = submitMessage({
        sectionId,
        organisationId,
        uploadId: uploadIdOf(local.upload.url),
        ciphertextSha256: local.ciphertextSha256,
        envelopeBytes: local.envelopeBytes,
      });
      const signature = await workers.signInWorker(key.privateKeyPem, SUBMIT_CONTEXT, utf8.encode(message));
      const answer: Receipt = await browserApi().bidding.submit.mutate({ message, signature: bytesToBase64(signature), certificateId: sealing.certificate.id });
      setReceipt(answer);
      // Submitted: the envelope is the platform's now, and a later bid starts from a fresh seal.
      await discardLocalBid(local);
      setLocal(null);
      setNotice({ kind: 'ok', text: replacing ? t('bid.replaced') : t('bid.submitted') });
      await revalidator.revalidate();
    } catch (error) {
      setNotice({ kind: 'error', text: describe(error) });
    } finally {
      setBusy(null);
    }
  }

  async function withdraw() {
    if (!sealing.certificate) return;
    setNotice(null);
    setBusy('withdrawing');
    try {
      const key = await keyFile.unlock();
      const workers = await import('../../lib/bid/workers.client');
      const message = withdrawMessage({ sectionId, organisationId });
      const signature = await workers.signInWorker(key.privateKeyPem, WITHDRAW_CONTEXT, utf8.encode(message));
      const answer: Receipt = await browserApi().bidding.withdraw.mutate({ message, signature: bytesToBase64(signature), certificateId: sealing.certificate.id });
      setReceipt(answer);
      setNotice({ kind: 'ok', text: t('bid.withdrawn') });
      await revalidator.revalidate();
    } catch (error) {
      setNotice({ kind: 'error', text: describe(error) });
    } finally {
      setBusy(null);
    }
  }

  async function startOver() {
    if (local) await discardLocalBid(local);
    setLocal(null);
    setResumable(null);
    setTransfer(null);
    setNotice(null);
  }

  return { local, busy, transfer, resumable, notice, receipt, seal, cancelSeal, upload, pause, submit, withdraw, startOver };
}

export type BidFlow = ReturnType<typeof useBidFlow>;
