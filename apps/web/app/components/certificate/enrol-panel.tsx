import { useState } from 'react';
import { useRevalidator } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { describeBidError } from '../../lib/bid/describe';
import { saveFile } from '../../lib/save-file';
import { formatTime } from '../../lib/time';

/** The PKCS#12 rule of docs/pki.md §4, checked here so the bidder hears it before any key is made. */
const P12_PASSWORD = /^[\x20-\x7e]{8,128}$/;
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

type Step = 'keys' | 'request' | 'file';

export interface EnrolSubject {
  name: string;
  creditCode: string | null;
}

/**
 * 证书申领 in the browser (docs/pki.md §3): a key pair and CSR made in a worker, only the CSR sent,
 * and the private key saved into a password-protected PKCS#12 file the bidder downloads. The password
 * is asked first, so a certificate is never issued for a key that then could not be saved.
 */
export function EnrolPanel({ subject, username }: { subject: EnrolSubject; username: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const [creditCode, setCreditCode] = useState(subject.creditCode ?? '');
  const [algorithm, setAlgorithm] = useState<'rsa' | 'sm2'>('rsa');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [step, setStep] = useState<Step | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ serial: string; notAfter: string; filename: string; bytes: Uint8Array } | null>(null);

  async function enrol(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const code = creditCode.trim().toUpperCase();
    if (!CREDIT_CODE.test(code)) return setError(t('cert.creditCodeInvalid'));
    if (!P12_PASSWORD.test(password)) return setError(t('cert.passwordRule'));
    if (password !== again) return setError(t('cert.passwordMismatch'));
    try {
      const workers = await import('../../lib/bid/workers.client');
      setStep('keys');
      const { csrPem, privateKeyPem } = await workers.createCsr({ commonName: subject.name, organisation: subject.name, creditCode: code }, algorithm);
      setStep('request');
      const answer = await browserApi().certificate.enrol.mutate({ csrPem });
      setStep('file');
      const bytes = await workers.makeKeyFile({ certificatePem: answer.certificatePem, privateKeyPem, chainPems: answer.chainPem, password });
      const notAfter = typeof answer.notAfter === 'string' ? answer.notAfter : new Date(answer.notAfter).toISOString();
      const filename = `${username}-${answer.serial.slice(0, 12)}.p12`;
      saveFile(bytes, filename, 'application/x-pkcs12');
      setIssued({ serial: answer.serial, notAfter, filename, bytes });
      setPassword('');
      setAgain('');
      await revalidator.revalidate();
    } catch (failure) {
      setError(describeBidError(failure, i18n));
    } finally {
      setStep(null);
    }
  }

  return (
    <section className="panel" aria-labelledby="enrol-title" data-testid="enrol-panel">
      <h2 id="enrol-title">{t('cert.enrol')}</h2>
      <p className="muted">{t('cert.enrolIntro')}</p>
      {issued ? (
        <div className="alert alert-ok" role="status" data-testid="enrol-done">
          <p>{t('cert.enrolled', { serial: issued.serial, notAfter: formatTime(issued.notAfter), filename: issued.filename })}</p>
          <p>{t('cert.keepFile')}</p>
          <button type="button" className="button button-secondary button-small" onClick={() => saveFile(issued.bytes, issued.filename, 'application/x-pkcs12')}>
            {t('cert.downloadAgain')}
          </button>
        </div>
      ) : null}
      {error ? (
        <p className="alert alert-error" role="alert" data-testid="enrol-error">
          {error}
        </p>
      ) : null}
      <form className="stacked-form narrow-form" onSubmit={enrol} data-testid="enrol-form">
        <dl className="facts">
          <div>
            <dt>{t('cert.subjectPreview')}</dt>
            <dd className="mono small">
              CN={subject.name}, O={subject.name}, serialNumber={creditCode || '…'}
            </dd>
          </div>
        </dl>
        <label>
          {t('cert.creditCode')}
          <input
            name="creditCode"
            value={creditCode}
            readOnly={subject.creditCode !== null}
            required
            maxLength={18}
            autoComplete="off"
            className="mono"
            aria-describedby="credit-code-hint"
            onChange={(e) => setCreditCode(e.target.value)}
          />
          <span id="credit-code-hint" className="muted small">
            {t('cert.creditCodeHint')}
          </span>
        </label>
        <label>
          {t('cert.algorithm')}
          <select name="algorithm" value={algorithm} onChange={(e) => setAlgorithm(e.target.value === 'sm2' ? 'sm2' : 'rsa')} aria-describedby="algorithm-hint">
            <option value="rsa">{t('cert.algorithm.rsa')}</option>
            <option value="sm2">{t('cert.algorithm.sm2')}</option>
          </select>
          <span id="algorithm-hint" className="muted small">
            {t('cert.algorithmHint')}
          </span>
        </label>
        <label>
          {t('cert.password')}
          <input name="p12Password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="p12-rule" />
          <span id="p12-rule" className="muted small">
            {t('cert.passwordRule')}
          </span>
        </label>
        <label>
          {t('cert.passwordAgain')}
          <input name="p12PasswordAgain" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={step !== null} data-testid="enrol-submit">
          {step ? t(`cert.step.${step}`) : t('cert.enrol')}
        </button>
        {step ? (
          <p className="muted small" role="status" aria-live="polite">
            {t(`cert.step.${step}`)}
          </p>
        ) : null}
      </form>
    </section>
  );
}
