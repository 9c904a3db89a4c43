import { useState } from 'react';
import { useRevalidator } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { describeError } from '../../lib/errors';

/** The PEM blocks in a text (a .pem may hold the certificate and its chain together). */
function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** 登记外部 CA 证书 (CA互认): only the public certificate travels; the platform validates it against its trusted roots. */
export function RegisterPanel() {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const [pem, setPem] = useState('');
  const [chain, setChain] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);

  async function readFile(file: File | undefined) {
    if (!file) return;
    const text = await file.text();
    const [first, ...rest] = pemBlocks(text);
    setPem(first ?? text);
    if (rest.length > 0) setChain(rest.join('\n'));
  }

  async function register(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const chainPem = pemBlocks(chain);
      const answer = await browserApi().certificate.register.mutate({ certificatePem: pem.trim(), ...(chainPem.length ? { chainPem } : {}) });
      setNotice({ ok: true, text: t('cert.registered', { serial: answer.serial }) });
      setPem('');
      setChain('');
      await revalidator.revalidate();
    } catch (failure) {
      setNotice({ ok: false, text: describeError(failure, i18n) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="panel" data-testid="register-panel">
      <summary>
        <strong>{t('cert.register')}</strong>
      </summary>
      <p className="muted">{t('cert.registerIntro')}</p>
      {notice ? (
        <p className={`alert ${notice.ok ? 'alert-ok' : 'alert-error'}`} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
        </p>
      ) : null}
      <form className="stacked-form" onSubmit={register}>
        <label>
          {t('cert.registerFile')}
          <input type="file" accept=".pem,.crt,.cer" onChange={(e) => void readFile(e.target.files?.[0])} />
        </label>
        <label>
          {t('cert.registerPem')}
          <textarea name="certificatePem" rows={6} className="mono small" required value={pem} onChange={(e) => setPem(e.target.value)} spellCheck={false} />
        </label>
        <label>
          {t('cert.registerChain')}
          <textarea name="chainPem" rows={3} className="mono small" value={chain} onChange={(e) => setChain(e.target.value)} spellCheck={false} />
        </label>
        <button type="submit" className="button button-secondary" disabled={busy || pem.trim() === ''}>
          {t('cert.registerSubmit')}
        </button>
      </form>
    </details>
  );
}
