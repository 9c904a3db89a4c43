import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { describeBidError } from '../../lib/bid/describe';
import type { OpenedEnvelope } from '../../lib/bid/workers.client';
import { formatBytes } from '../../lib/money';

/** Envelope and bundle failures: the bid as sealed cannot be read out at the opening. */
const DAMAGED = new Set(['tampered', 'truncated', 'trailing-data', 'commitment-mismatch', 'malformed-header', 'unsupported-suite', 'malformed-bundle', 'invalid-name', 'invalid-schedule', 'duplicate-name']);

type Result = { ok: true; opened: OpenedEnvelope } | { ok: false; kind: 'wrong-key' | 'damaged' | 'digest' | 'other'; text: string };

/**
 * 解密自检 (docs/sealed-bids.md §8): before the deadline the bidder tries the certificate file it will
 * decrypt with at the opening on the envelope the platform holds (the browser does not keep an
 * envelope after the submit). The seal worker downloads the company's own envelope with a bare GET
 * and opens it there; the key file and its password stay in this browser.
 */
export function SelfTest({ uploadId, ciphertextSha256 }: { uploadId: string; ciphertextSha256: string | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  async function run() {
    if (!file || password === '') {
      setResult({ ok: false, kind: 'other', text: t('key.choose') });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const workers = await import('../../lib/bid/workers.client');
      const opened = await workers.openInWorker({
        type: 'open',
        envelope: { url: `/api/bids/${encodeURIComponent(uploadId)}/envelope` },
        p12: new Uint8Array(await file.arrayBuffer()),
        password,
        requireBundle: true,
      });
      if (ciphertextSha256 && opened.envelopeSha256 !== ciphertextSha256) setResult({ ok: false, kind: 'digest', text: t('selftest.digestMismatch') });
      else setResult({ ok: true, opened });
    } catch (error) {
      const code = (error as { failure?: { code?: string | null } }).failure?.code ?? null;
      if (code === 'wrong-key') setResult({ ok: false, kind: 'wrong-key', text: t('selftest.wrongKey') });
      else if (code && DAMAGED.has(code)) setResult({ ok: false, kind: 'damaged', text: t('selftest.damaged') });
      else setResult({ ok: false, kind: 'other', text: describeBidError(error, i18n) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="selftest-title" data-testid="self-test">
      <h2 id="selftest-title">{t('selftest.title')}</h2>
      <p className="muted small">{t('selftest.intro')}</p>
      <div className="key-fields">
        <label>
          {t('key.file')}
          <input type="file" accept=".p12,.pfx,application/x-pkcs12" data-testid="selftest-p12" disabled={busy} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t('key.password')}
          <input type="password" autoComplete="off" data-testid="selftest-p12-password" disabled={busy} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
      </div>
      <p className="muted small">{t('selftest.local')}</p>
      <p className="form-actions">
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void run()} data-testid="selftest-run">
          {t('selftest.run')}
        </button>
      </p>
      <div aria-live="polite">
        {busy ? (
          <p className="muted small" role="status">
            {t('selftest.running')}
          </p>
        ) : null}
        {result?.ok ? (
          <div className="verdict-box verdict-ok" role="status" data-testid="selftest-result" data-outcome="passed" data-sha256={result.opened.envelopeSha256}>
            <p>{t('selftest.passed', { size: formatBytes(result.opened.envelopeBytes), digest: `${result.opened.envelopeSha256.slice(0, 16)}…`, files: result.opened.entries.length })}</p>
            <p className="mono hash small">SHA-256 {result.opened.envelopeSha256}</p>
            {result.opened.certificateKeyId ? <p className="mono small">{t('selftest.keyId', { keyId: result.opened.certificateKeyId })}</p> : null}
          </div>
        ) : result ? (
          <p className="alert alert-error" role="alert" data-testid="selftest-result" data-outcome={result.kind}>
            {result.text}
          </p>
        ) : null}
      </div>
    </section>
  );
}
