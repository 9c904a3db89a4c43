import type { Role } from '@ggzy/domain';
import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';

type ErrorKind = 'notFound' | 'generic' | 'unavailable';

export function ErrorPage(props: { kind: ErrorKind } | { kind: 'forbidden'; page: Role; role: Role }) {
  const { t } = useI18n();
  if (props.kind === 'forbidden') {
    return (
      <section className="panel error-page" data-testid="forbidden">
        <p className="error-code">403</p>
        <h1>{t('error.forbidden.title')}</h1>
        <p>{t('error.forbidden.body', { page: t(`ws.${props.page}.title`), role: t(`role.${props.role}`) })}</p>
        <p>
          <Link to={`/w/${props.role}`}>{t('error.forbidden.back')}</Link>
        </p>
      </section>
    );
  }
  const title = props.kind === 'notFound' ? t('error.notFound.title') : t('error.generic.title');
  const body =
    props.kind === 'notFound' ? t('error.notFound.body') : props.kind === 'unavailable' ? t('api.unavailable') : t('error.generic.body');
  return (
    <section className="panel error-page">
      <p className="error-code">{props.kind === 'notFound' ? '404' : props.kind === 'unavailable' ? '503' : '500'}</p>
      <h1>{title}</h1>
      <p>{body}</p>
      <p>
        <Link to="/">{t('error.backHome')}</Link>
      </p>
    </section>
  );
}
