import { BID_BUNDLE_PARTS, type BidBundlePart } from '@ggzy/domain/bid';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { hasOpfs } from '../../lib/bid/bytes';
import { EMPTY_SCHEDULE, parseSchedule, type ScheduleErrors, type ScheduleValues } from '../../lib/bid/schedule';
import { formatBytes } from '../../lib/money';
import { formatTime } from '../../lib/time';
import { EnvelopeTools } from './envelope-tools';
import { ScheduleFields } from './schedule-fields';
import { TransferProgress } from './transfer-progress';
import type { BidFlow, SealingInfo } from './use-bid-flow';
import type { KeyFile } from './use-key-file';

type PartFiles = Record<BidBundlePart, File[]>;
const NO_FILES: PartFiles = { commercial: [], technical: [], price: [] };

/**
 * The six steps of a bid: schedule, files, key file, seal, upload, submit. Each step's button is
 * enabled once the step before it is done; what is under way shows a progress bar with speed.
 */
export function BidForm({ flow, keyFile, sealing, hasCurrentBid }: { flow: BidFlow; keyFile: KeyFile; sealing: SealingInfo; hasCurrentBid: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [schedule, setSchedule] = useState<ScheduleValues>(EMPTY_SCHEDULE);
  const [scheduleErrors, setScheduleErrors] = useState<ScheduleErrors>({});
  const [files, setFiles] = useState<PartFiles>(NO_FILES);
  const [filesError, setFilesError] = useState(false);
  // Known only in the browser; assumed until then, so the server's render matches the first client render.
  const [opfs, setOpfs] = useState(true);
  useEffect(() => setOpfs(hasOpfs()), []);
  const { local, busy, transfer, resumable } = flow;
  const chosen = BID_BUNDLE_PARTS.flatMap((part) => files[part].map((file) => ({ part, file })));
  const chosenBytes = chosen.reduce((n, f) => n + f.file.size, 0);
  const uploaded = local?.upload?.complete === true;
  const partial = local?.upload && !local.upload.complete;

  async function onSeal(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Shown in the current language whichever one FieldError picks.
    const priceInvalid = t('bid.priceInvalid');
    const parsed = parseSchedule(schedule, { zh: priceInvalid, en: priceInvalid });
    const errors = 'errors' in parsed ? parsed.errors : {};
    setScheduleErrors(errors);
    setFilesError(chosen.length === 0);
    if ('errors' in parsed || chosen.length === 0) {
      // Straight to the first field to fix (keyboard and screen-reader users land on it).
      const form = event.currentTarget;
      requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"], [data-testid="files-commercial"]')?.focus());
      return;
    }
    await flow.seal(parsed.schedule, chosen);
  }

  return (
    <form className="bid-steps" onSubmit={onSeal} noValidate data-testid="bid-form">
      <fieldset disabled={busy !== null}>
        <legend>{t('bid.step.schedule')}</legend>
        <p className="muted small">{t('bid.scheduleIntro')}</p>
        <ScheduleFields values={schedule} errors={scheduleErrors} onChange={setSchedule} disabled={busy !== null} />
      </fieldset>

      <fieldset disabled={busy !== null}>
        <legend>{t('bid.step.files')}</legend>
        <p className="muted small">{t('bid.filesHint')}</p>
        <div className="part-pickers">
          {BID_BUNDLE_PARTS.map((part) => (
            <label key={part}>
              {t(`bid.part.${part}`)}
              <input type="file" multiple name={`files-${part}`} data-testid={`files-${part}`} onChange={(e) => setFiles((f) => ({ ...f, [part]: Array.from(e.target.files ?? []) }))} />
              {files[part].length > 0 ? <span className="muted small">{files[part].map((f) => `${f.name} (${formatBytes(f.size)})`).join(i18n.lang === 'zh' ? '，' : ', ')}</span> : null}
            </label>
          ))}
        </div>
        {filesError && chosen.length === 0 ? (
          <p className="field-error" role="alert">
            {t('bid.filesNone')}
          </p>
        ) : chosen.length > 0 ? (
          <p className="muted small">{t('bid.filesTotal', { count: chosen.length, size: formatBytes(chosenBytes) })}</p>
        ) : null}
      </fieldset>

      <fieldset disabled={busy !== null}>
        <legend>{t('bid.step.key')}</legend>
        <div className="key-fields">
          <label>
            {t('key.file')}
            <input type="file" name="p12" accept=".p12,.pfx,application/x-pkcs12" data-testid="bid-p12" onChange={(e) => keyFile.setFile(e.target.files?.[0] ?? null)} />
          </label>
          <label>
            {t('key.password')}
            <input type="password" name="p12Password" autoComplete="off" data-testid="bid-p12-password" value={keyFile.password} onChange={(e) => keyFile.setPassword(e.target.value)} />
          </label>
        </div>
        {sealing.certificate ? (
          <p className="muted small">
            {t('cert.serial')} <span className="mono">{sealing.certificate.serial}</span>
          </p>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>{t('bid.step.seal')}</legend>
        {!opfs ? <p className="alert alert-warning">{t('bid.sealNoOpfs')}</p> : null}
        {busy === 'sealing' && transfer ? (
          <div className="step-running">
            <TransferProgress transfer={transfer} label={t('bid.sealing')} testId="seal-progress" />
            <button type="button" className="button button-secondary button-small" onClick={flow.cancelSeal}>
              {t('bid.sealCancel')}
            </button>
          </div>
        ) : null}
        {local && busy !== 'sealing' ? (
          <p className="verdict verdict-ok" data-testid="sealed" data-sha256={local.ciphertextSha256} data-bytes={local.envelopeBytes}>
            {t('bid.sealed', { size: formatBytes(local.envelopeBytes), digest: `${local.ciphertextSha256.slice(0, 16)}…` })}{' '}
            <span className="muted small">{t('bid.sealedAt', { time: formatTime(local.sealedAt) })}</span>
          </p>
        ) : null}
        <p className="form-actions">
          <button type="submit" className={local ? 'button button-secondary' : 'button'} disabled={busy !== null || !opfs} data-testid="seal">
            {busy === 'sealing' ? t('bid.sealing') : local ? t('bid.sealAgain') : t('bid.seal')}
          </button>
        </p>
        <EnvelopeTools opfsName={local?.opfsName ?? null} sectionCode={sealing.section.code} keyFile={keyFile} />
      </fieldset>

      <fieldset>
        <legend>{t('bid.step.upload')}</legend>
        {resumable && !uploaded && busy !== 'uploading' ? (
          <p className="alert alert-info" data-testid="resumable" data-offset={resumable === 'unknown' ? '' : resumable.offset}>
            {resumable === 'unknown' ? t('bid.resumableUnknown') : t('bid.resumable', { done: formatBytes(resumable.offset), total: formatBytes(resumable.length) })}
          </p>
        ) : null}
        {(busy === 'uploading' || (partial && transfer && busy === null && resumable)) && transfer ? (
          <div className="step-running">
            <TransferProgress transfer={transfer} label={t('bid.uploading')} testId="upload-progress" />
            {busy === 'uploading' ? (
              <button type="button" className="button button-secondary button-small" onClick={() => void flow.pause()} data-testid="upload-pause">
                {t('bid.uploadPause')}
              </button>
            ) : null}
          </div>
        ) : null}
        {uploaded ? (
          <p className="verdict verdict-ok" data-testid="uploaded">
            {t('bid.uploaded', { size: formatBytes(local.envelopeBytes) })}
          </p>
        ) : (
          <p className="form-actions">
            <button type="button" className="button" disabled={!local || busy !== null} onClick={() => void flow.upload()} data-testid="upload">
              {busy === 'uploading' ? t('bid.uploading') : partial ? t('bid.uploadResume') : t('bid.upload')}
            </button>
          </p>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('bid.step.submit')}</legend>
        <p className="form-actions">
          <button type="button" className="button" disabled={!uploaded || busy !== null} onClick={() => void flow.submit(hasCurrentBid)} data-testid="submit-bid">
            {busy === 'submitting' ? t('bid.submitting') : hasCurrentBid ? t('bid.replace') : t('bid.submit')}
          </button>
          {local ? (
            <button type="button" className="button button-secondary button-small" disabled={busy !== null} onClick={() => void flow.startOver()}>
              {t('bid.startOver')}
            </button>
          ) : null}
        </p>
      </fieldset>
    </form>
  );
}
