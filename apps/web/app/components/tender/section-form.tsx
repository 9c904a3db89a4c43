import { METHODS_OF_TYPE, SCORING_TEMPLATES, TRANSACTION_TYPES, type CreateSectionRequest, type EnvelopeSuite, type ScoringMethod, type TenderMethod, type TransactionType } from '@ggzy/domain';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { FieldError, hasError } from '../field-error';
import { useLabels } from '../section-bits';
import { translator, useI18n, type MessageKey } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { apiErrorOf, describeError, fieldErrorsOf, type FieldErrors } from '../../lib/errors';
import { fenToYuanInput, yuanToFen } from '../../lib/money';
import { beijingLocalToOffsetIso, isoToBeijingLocal } from '../../lib/time';
import { ScoringEditor, scoringDraftOf, scoringMethodOf, type ScoringDraft } from './scoring-editor';

type OpeningMode = 'bidderKey' | 'bidderAndCustodians';

/** Everything as typed: money in yuan, times as Beijing `datetime-local` values. */
export interface SectionFormValues {
  projectName: string;
  type: TransactionType;
  method: TenderMethod;
  /** The agency (for a tenderer) or the tenderer (for an agency), by organisation id. */
  partnerId: string;
  name: string;
  estimatedPrice: string;
  bond: string;
  bidValidityDays: string;
  scoring: ScoringDraft;
  documentsFrom: string;
  documentsUntil: string;
  deadline: string;
  listingFrom: string;
  openingMode: OpeningMode;
  custodianIds: string;
  custodianThreshold: string;
  envelopeSuite: EnvelopeSuite;
}

export function emptySectionValues(): SectionFormValues {
  return {
    projectName: '',
    type: 'construction',
    method: 'open',
    partnerId: '',
    name: '',
    estimatedPrice: '',
    bond: '',
    bidValidityDays: '90',
    scoring: scoringDraftOf(structuredClone(SCORING_TEMPLATES.comprehensive)),
    documentsFrom: '',
    documentsUntil: '',
    deadline: '',
    listingFrom: '',
    openingMode: 'bidderKey',
    custodianIds: '',
    custodianThreshold: '',
    envelopeSuite: 'rsa-oaep-sha256/aes-256-gcm-stream',
  };
}

/** A draft as the API holds it (tender.get), back into the form. */
export function sectionValuesOf(
  project: { name: string; type: TransactionType; method: TenderMethod },
  section: {
    name: string;
    estimatedPrice: number;
    bond: number;
    bidValidityDays: number;
    scoringMethod: Record<string, unknown>;
    documentsFrom: string;
    documentsUntil: string;
    deadline: string;
    listingFrom: string | null;
    openingMode: OpeningMode;
    custodianIds: string[];
    custodianThreshold: number | null;
    envelopeSuite?: string;
  },
): SectionFormValues {
  return {
    projectName: project.name,
    type: project.type,
    method: project.method,
    partnerId: '',
    name: section.name,
    estimatedPrice: fenToYuanInput(section.estimatedPrice),
    bond: fenToYuanInput(section.bond),
    bidValidityDays: String(section.bidValidityDays),
    scoring: scoringDraftOf(section.scoringMethod as unknown as ScoringMethod),
    documentsFrom: isoToBeijingLocal(section.documentsFrom),
    documentsUntil: isoToBeijingLocal(section.documentsUntil),
    deadline: isoToBeijingLocal(section.deadline),
    listingFrom: section.listingFrom ? isoToBeijingLocal(section.listingFrom) : '',
    openingMode: section.openingMode,
    custodianIds: section.custodianIds.join('\n'),
    custodianThreshold: section.custodianThreshold === null ? '' : String(section.custodianThreshold),
    envelopeSuite: section.envelopeSuite === 'sm2/sm4-ctr-hmac-sm3-stream' ? 'sm2/sm4-ctr-hmac-sm3-stream' : 'rsa-oaep-sha256/aes-256-gcm-stream',
  };
}

/** The fields this form shows; an error about anything else is listed above the submit button. */
const FORM_FIELDS = [
  'project.name',
  'project.type',
  'project.method',
  'project.agencyId',
  'project.tendererId',
  'section.name',
  'section.estimatedPrice',
  'section.bond',
  'section.bidValidityDays',
  'section.scoringMethod',
  'section.documentsFrom',
  'section.documentsUntil',
  'section.deadline',
  'section.listingFrom',
  'section.openingMode',
  'section.custodianIds',
  'section.custodianThreshold',
  'section.envelopeSuite',
];

const bilingual = (key: MessageKey) => ({ zh: translator('zh').t(key), en: translator('en').t(key) });

type Props =
  | { mode: 'create'; role: 'tenderer' | 'agency'; partners: ReadonlyArray<{ id: string; name: string }> }
  | { mode: 'edit'; role: 'tenderer' | 'agency'; sectionId: string; initial: SectionFormValues; onSaved: () => Promise<void> | void };

/**
 * 新建/编辑标段: the project (when creating) and the section's fields. The rules of DESIGN.md §3
 * are the API's to check; what it refuses comes back naming the field, and is shown beside it.
 */
export function SectionForm(props: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const navigate = useNavigate();
  const [values, setValues] = useState<SectionFormValues>(props.mode === 'edit' ? props.initial : emptySectionValues);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof SectionFormValues>(key: K, value: SectionFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const partnerField = props.role === 'agency' ? 'project.tendererId' : 'project.agencyId';
  const isListing = values.type === 'landUse' && values.method === 'listing';

  /** The request's section part, or the fields that could not even be read. */
  function sectionOf(): { fields: CreateSectionRequest['section'] } | { errors: FieldErrors } {
    const local: FieldErrors = {};
    const money = (key: 'estimatedPrice' | 'bond') => {
      const fen = yuanToFen(values[key]);
      if (fen === null) local[`section.${key}`] = [bilingual('form.error.money')];
      return fen ?? 0;
    };
    const time = (key: 'documentsFrom' | 'documentsUntil' | 'deadline' | 'listingFrom') => {
      const iso = beijingLocalToOffsetIso(values[key]);
      if (!iso) local[`section.${key}`] = [bilingual('form.error.time')];
      return iso ?? '';
    };
    const days = Number(values.bidValidityDays);
    if (values.bidValidityDays.trim() === '' || !Number.isInteger(days)) local['section.bidValidityDays'] = [bilingual('form.error.days')];
    const custodians = values.openingMode === 'bidderAndCustodians';
    const fields: CreateSectionRequest['section'] = {
      name: values.name,
      estimatedPrice: money('estimatedPrice'),
      bond: money('bond'),
      bidValidityDays: days,
      scoringMethod: scoringMethodOf(values.scoring),
      documentsFrom: time('documentsFrom'),
      documentsUntil: time('documentsUntil'),
      deadline: time('deadline'),
      ...(isListing ? { listingFrom: time('listingFrom') } : {}),
      openingMode: values.openingMode,
      custodianIds: custodians ? values.custodianIds.split(/[\s,，]+/).filter(Boolean) : [],
      ...(custodians && values.custodianThreshold !== '' ? { custodianThreshold: Number(values.custodianThreshold) } : {}),
      envelopeSuite: values.envelopeSuite,
    };
    return Object.keys(local).length > 0 ? { errors: local } : { fields };
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSummary(null);
    setSaved(false);
    const built = sectionOf();
    if ('errors' in built) {
      setErrors(built.errors);
      setSummary(t('form.fixFields'));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const section = built.fields;
      if (props.mode === 'create') {
        const partner = values.partnerId.trim();
        const created = await browserApi().tender.create.mutate({
          project: {
            name: values.projectName,
            type: values.type,
            method: values.method,
            ...(partner ? (props.role === 'agency' ? { tendererId: partner } : { agencyId: partner }) : {}),
          },
          section,
        });
        await navigate(`/w/${props.role}/sections/${created.sectionId}?created=1`);
        return;
      }
      await browserApi().tender.update.mutate({ sectionId: props.sectionId, fields: section });
      setSaved(true);
      await props.onSaved();
    } catch (error) {
      const found = fieldErrorsOf(error, { prefix: 'section.', rename: { fields: 'section', 'section.method': 'project.method' } });
      setErrors(found);
      const unmatched = Object.entries(found)
        .filter(([path]) => !FORM_FIELDS.some((f) => path === f || path.startsWith(`${f}.`)))
        .flatMap(([, messages]) => messages.map((m) => i18n.pick(m)));
      const app = apiErrorOf(error);
      setSummary(Object.keys(found).length === 0 || !app ? describeError(error, i18n) : [t('form.fixFields'), ...unmatched].join(' '));
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string) => ({ 'aria-invalid': hasError(errors, name) || undefined });

  return (
    <form className="section-form" onSubmit={onSubmit} noValidate data-testid="section-form">
      {props.mode === 'create' ? (
        <fieldset className="panel">
          <legend>{t('form.project')}</legend>
          <div className="form-grid">
            <label className="span-2">
              {t('form.projectName')}
              <input name="projectName" value={values.projectName} onChange={(e) => set('projectName', e.target.value)} maxLength={200} required {...field('project.name')} />
              <FieldError errors={errors} field="project.name" />
            </label>
            <label>
              {t('form.type')}
              <select
                name="type"
                value={values.type}
                onChange={(e) => {
                  const type = e.target.value as TransactionType;
                  set('type', type);
                  // Each type has its own methods (METHODS_OF_TYPE): keep the choice only if it fits.
                  if (!METHODS_OF_TYPE[type].includes(values.method)) set('method', METHODS_OF_TYPE[type][0]!);
                }}
              >
                {TRANSACTION_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {labels.type(type)}
                  </option>
                ))}
              </select>
              <FieldError errors={errors} field="project.type" />
            </label>
            <label>
              {t('form.method')}
              <select name="method" value={values.method} onChange={(e) => set('method', e.target.value as TenderMethod)}>
                {METHODS_OF_TYPE[values.type].map((method) => (
                  <option key={method} value={method}>
                    {labels.method(method)}
                  </option>
                ))}
              </select>
              <FieldError errors={errors} field="project.method" />
            </label>
            <label className="span-2">
              {props.role === 'agency' ? t('form.tendererId') : t('form.agencyId')}
              <select
                name="partnerId"
                value={values.partnerId}
                onChange={(e) => set('partnerId', e.target.value)}
                required={props.role === 'agency'}
                {...field(partnerField)}
              >
                <option value="">{props.role === 'agency' ? t('form.choose') : t('form.noAgency')}</option>
                {(props.mode === 'create' ? props.partners : []).map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
              <span className="hint">{props.role === 'agency' ? t('form.tendererIdHint') : t('form.agencyIdHint')}</span>
              <FieldError errors={errors} field={partnerField} />
            </label>
          </div>
        </fieldset>
      ) : null}

      <fieldset className="panel">
        <legend>{t('form.section')}</legend>
        <div className="form-grid">
          <label className="span-2">
            {t('form.sectionName')}
            <input name="sectionName" value={values.name} onChange={(e) => set('name', e.target.value)} maxLength={200} required {...field('section.name')} />
            <FieldError errors={errors} field="section.name" />
          </label>
          <label>
            {values.method === 'listing' || values.method === 'auction' ? t('form.startingPrice') : values.type === 'procurement' ? t('form.budget') : t('form.estimatedPrice')}
            <input name="estimatedPrice" inputMode="decimal" value={values.estimatedPrice} onChange={(e) => set('estimatedPrice', e.target.value)} placeholder="10000000.00" {...field('section.estimatedPrice')} />
            <span className="hint">{t('form.yuanHint')}</span>
            <FieldError errors={errors} field="section.estimatedPrice" />
          </label>
          <label>
            {t('form.bond')}
            <input name="bond" inputMode="decimal" value={values.bond} onChange={(e) => set('bond', e.target.value)} placeholder="200000.00" {...field('section.bond')} />
            <span className="hint">{t('form.bondHint')}</span>
            <FieldError errors={errors} field="section.bond" />
          </label>
          <label>
            {t('form.validity')}
            <input name="bidValidityDays" type="number" min="30" max="365" value={values.bidValidityDays} onChange={(e) => set('bidValidityDays', e.target.value)} {...field('section.bidValidityDays')} />
            <FieldError errors={errors} field="section.bidValidityDays" />
          </label>
        </div>
      </fieldset>

      <fieldset className="panel">
        <legend>{t('form.schedule')}</legend>
        <p className="muted small">{t('form.scheduleHint')}</p>
        <div className="form-grid">
          <label>
            {t('form.documentsFrom')}
            <input name="documentsFrom" type="datetime-local" step="1" value={values.documentsFrom} onChange={(e) => set('documentsFrom', e.target.value)} {...field('section.documentsFrom')} />
            <FieldError errors={errors} field="section.documentsFrom" />
          </label>
          <label>
            {t('form.documentsUntil')}
            <input name="documentsUntil" type="datetime-local" step="1" value={values.documentsUntil} onChange={(e) => set('documentsUntil', e.target.value)} {...field('section.documentsUntil')} />
            <FieldError errors={errors} field="section.documentsUntil" />
          </label>
          <label>
            {t('form.deadline')}
            <input name="deadline" type="datetime-local" step="1" value={values.deadline} onChange={(e) => set('deadline', e.target.value)} {...field('section.deadline')} />
            <span className="hint">{t('form.deadlineHint')}</span>
            <FieldError errors={errors} field="section.deadline" />
          </label>
          {isListing ? (
            <label>
              {t('form.listingFrom')}
              <input name="listingFrom" type="datetime-local" step="1" value={values.listingFrom} onChange={(e) => set('listingFrom', e.target.value)} {...field('section.listingFrom')} />
              <FieldError errors={errors} field="section.listingFrom" />
            </label>
          ) : null}
        </div>
      </fieldset>

      <fieldset className="panel">
        <legend>{t('form.scoring')}</legend>
        <ScoringEditor value={values.scoring} onChange={(scoring) => set('scoring', scoring)} />
        <FieldError errors={errors} field="section.scoringMethod" />
      </fieldset>

      <fieldset className="panel">
        <legend>{t('form.opening')}</legend>
        <div className="radio-group">
          <label className="checkbox">
            <input type="radio" name="openingMode" value="bidderKey" checked={values.openingMode === 'bidderKey'} onChange={() => set('openingMode', 'bidderKey')} />
            {t('opening.bidderKey')}
          </label>
          <label className="checkbox">
            <input type="radio" name="openingMode" value="bidderAndCustodians" checked={values.openingMode === 'bidderAndCustodians'} onChange={() => set('openingMode', 'bidderAndCustodians')} />
            {t('opening.custodians')}
          </label>
        </div>
        {values.openingMode === 'bidderAndCustodians' ? (
          <div className="form-grid">
            <label className="span-2">
              {t('form.custodianIds')}
              <textarea name="custodianIds" className="mono" rows={4} value={values.custodianIds} onChange={(e) => set('custodianIds', e.target.value)} {...field('section.custodianIds')} />
              <span className="hint">{t('form.custodianIdsHint')}</span>
              <FieldError errors={errors} field="section.custodianIds" />
            </label>
            <label>
              {t('form.custodianThreshold')}
              <input name="custodianThreshold" type="number" min="2" max="9" value={values.custodianThreshold} onChange={(e) => set('custodianThreshold', e.target.value)} {...field('section.custodianThreshold')} />
              <FieldError errors={errors} field="section.custodianThreshold" />
            </label>
          </div>
        ) : null}
        <FieldError errors={errors} field="section.openingMode" />
        <div className="radio-group" role="radiogroup" aria-label={t('form.envelopeSuite')}>
          <span>{t('form.envelopeSuite')}</span>
          <label className="checkbox">
            <input type="radio" name="envelopeSuite" value="rsa" checked={values.envelopeSuite === 'rsa-oaep-sha256/aes-256-gcm-stream'} onChange={() => set('envelopeSuite', 'rsa-oaep-sha256/aes-256-gcm-stream')} />
            {t('suite.rsa')}
          </label>
          <label className="checkbox">
            <input type="radio" name="envelopeSuite" value="sm" checked={values.envelopeSuite === 'sm2/sm4-ctr-hmac-sm3-stream'} onChange={() => set('envelopeSuite', 'sm2/sm4-ctr-hmac-sm3-stream')} />
            {t('suite.sm')}
          </label>
        </div>
        <FieldError errors={errors} field="section.envelopeSuite" />
      </fieldset>

      {summary ? (
        <p className="alert alert-error" role="alert" data-testid="form-error">
          {summary}
        </p>
      ) : null}
      {saved ? (
        <p className="alert alert-ok" role="status" data-testid="form-saved">
          {t('form.saved')}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy} data-testid="save-section">
          {busy ? t('action.working') : props.mode === 'create' ? t('form.create') : t('form.save')}
        </button>
      </div>
    </form>
  );
}
