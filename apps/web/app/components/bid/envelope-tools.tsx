import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { describeBidError } from '../../lib/bid/describe';
import { envelopeFile } from '../../lib/bid/local-bid';
import type { OpenedEnvelope } from '../../lib/bid/workers.client';
import { formatBytes, formatYuan } from '../../lib/money';
import { saveFile } from '../../lib/save-file';
import type { KeyFile } from './use-key-file';

/**
 * 解密自检 and a copy of the envelope. A bid that cannot be decrypted at the opening is the bidder's
 * loss (电子招标投标办法 art. 31), so the bidder can open its envelope here with its own key file
 * before uploading: the one just sealed, or one sealed with the `ggzy` tool. It can also keep a copy
 * of the envelope (to upload with the tool, or as a backup): it is ciphertext, safe to store.
 */
export function EnvelopeTools({ opfsName, sectionCode, keyFile }: { opfsName: string | null; sectionCode: string; keyFile: KeyFile }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: true; opened: OpenedEnvelope } | { ok: false; text: string } | null>(null);

  async function check(envelope: { opfsName: string } | { file: Blob }) {
    setBusy(true);
    setResult(null);
    try {
      const workers = await import('../../lib/bid/workers.client');
      const opened = await workers.openInWorker({ type: 'open', envelope, p12: await keyFile.p12Bytes(), password: keyFile.password });
      setResult({ ok: true, opened });
    } catch (error) {
      setResult({ ok: false, text: describeBidError(error, i18n) });
    } finally {
      setBusy(false);
    }
  }

  async function download() {
    if (!opfsName) return;
    const file = await envelopeFile(opfsName);
    if (file) saveFile(file, `${sectionCode}.ggzyenv`);
  }

  return (
    <details className="envelope-tools" data-testid="envelope-tools">
      <summary>{t('tools.title')}</summary>
      <p className="muted small">{t('tools.intro')}</p>
      <p className="form-actions">
        {opfsName ? (
          <>
            <button type="button" className="button button-secondary button-small" disabled={busy} onClick={() => void check({ opfsName })} data-testid="self-check">
              {t('tools.check')}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={() => void download()} data-testid="envelope-download">
              {t('tools.download')}
            </button>
          </>
        ) : null}
        <label className="button button-secondary button-small file-button">
          {t('tools.checkFile')}
          <input type="file" className="sr-only" disabled={busy} data-testid="check-file" onChange={(e) => e.target.files?.[0] && void check({ file: e.target.files[0] })} />
        </label>
      </p>
      {busy ? (
        <p className="muted small" role="status">
          {t('tools.checking')}
        </p>
      ) : null}
      {result?.ok ? (
        <div className="verdict-box verdict-ok" role="status" data-testid="check-result" data-sha256={result.opened.sha256} data-bytes={result.opened.plaintextBytes}>
          <p>{t('tools.opened', { size: formatBytes(result.opened.plaintextBytes) })}</p>
          <p className="mono hash small">SHA-256 {result.opened.sha256}</p>
          {result.opened.entries.length > 0 ? (
            <ul className="small" data-testid="check-entries">
              {result.opened.entries.map((entry) => (
                <li key={entry} className="mono">
                  {entry}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">{t('tools.notBundle')}</p>
          )}
          {result.opened.schedule ? <p className="small" data-testid="check-schedule" data-price-fen={result.opened.schedule.priceFen}>{t('tools.schedule', { price: formatYuan(result.opened.schedule.priceFen), days: result.opened.schedule.durationDays })}</p> : null}
        </div>
      ) : result ? (
        <p className="alert alert-error" role="alert" data-testid="check-error">
          {result.text}
        </p>
      ) : null}
    </details>
  );
}
