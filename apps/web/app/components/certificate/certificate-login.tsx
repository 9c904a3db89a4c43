import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { base64ToBytes, bytesToBase64 } from '../../lib/bid/bytes';
import { describeBidError } from '../../lib/bid/describe';

/**
 * 证书登录 (docs/pki.md §6): the PKCS#12 file is opened in a worker, the platform's one-time
 * challenge is signed there, and only the certificate and the signature are sent.
 */
export function CertificateLogin({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signIn(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return setError(t('key.choose'));
    setBusy(true);
    setError(null);
    try {
      const workers = await import('../../lib/bid/workers.client');
      const key = await workers.unlockKeyFile(new Uint8Array(await file.arrayBuffer()), password);
      const api = browserApi();
      const { challengeId, challenge } = await api.auth.certificateChallenge.mutate({});
      const signature = await workers.signChallengeInWorker(key.privateKeyPem, base64ToBytes(challenge));
      await api.auth.certificateLogin.mutate({ challengeId, certificatePem: key.certificatePem, signature: bytesToBase64(signature) });
      await onSignedIn();
    } catch (failure) {
      setError(describeBidError(failure, i18n));
      setPassword('');
      setBusy(false);
    }
  }

  return (
    <form className="stacked-form" onSubmit={signIn} data-testid="certificate-login">
      <p className="muted small">{t('certLogin.intro')}</p>
      {error ? (
        <p className="alert alert-error" role="alert" data-testid="certificate-login-error">
          {error}
        </p>
      ) : null}
      <label>
        {t('key.file')}
        <input name="p12" type="file" accept=".p12,.pfx,application/x-pkcs12" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      <label>
        {t('key.password')}
        <input name="p12Password" type="password" autoComplete="off" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="button button-wide" disabled={busy} data-testid="certificate-login-submit">
        {busy ? t('certLogin.submitting') : t('certLogin.submit')}
      </button>
    </form>
  );
}
