import { redirect } from 'react-router';
import type { Route } from './+types/set-lang';
import { isLang, LANG_COOKIE } from '../i18n/i18n';
import { safeNext } from '../lib/session.server';

const ONE_YEAR = 365 * 24 * 3600;

/** The language switch: a plain form post, so it works before (and without) JavaScript. */
export async function action({ request }: Route.ActionArgs) {
  const form = await request.formData();
  const lang = form.get('lang');
  const returnTo = safeNext(typeof form.get('returnTo') === 'string' ? (form.get('returnTo') as string) : null, '/');
  if (!isLang(lang)) return redirect(returnTo);
  return redirect(returnTo, {
    headers: { 'set-cookie': `${LANG_COOKIE}=${lang}; Path=/; Max-Age=${ONE_YEAR}; SameSite=Lax` },
  });
}

export function loader() {
  return redirect('/');
}
