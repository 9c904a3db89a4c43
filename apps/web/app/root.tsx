import { useEffect } from 'react';
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from 'react-router';
import type { Route } from './+types/root';
import { ErrorPage } from './components/error-page';
import { SiteFooter, SiteHeader } from './components/site-header';
import { HTML_LANG, I18nProvider, langFromCookieHeader, translator, type Lang } from './i18n/i18n';
import { getSession } from './lib/session.server';
import stylesHref from './styles.css?url';

export const links: Route.LinksFunction = () => [
  { rel: 'stylesheet', href: stylesHref },
  // No favicon request: the portal has no icon yet.
  { rel: 'icon', href: 'data:,' },
];

export async function loader({ request, context }: Route.LoaderArgs) {
  const lang = langFromCookieHeader(request.headers.get('cookie'));
  const session = await getSession(request, context);
  return { lang, me: session.me, apiUnreachable: session.unreachable };
}

// Who is signed in can change with any navigation (sign-in, sign-out, expiry): always ask again.
export const shouldRevalidate = () => true;

export type RootData = Awaited<ReturnType<typeof loader>>;

export function Layout({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<RootData>('root');
  const lang: Lang = root?.lang ?? 'zh';
  const i18n = translator(lang);
  return (
    <html lang={HTML_LANG[lang]}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{i18n.t('site.title')}</title>
        <Meta />
        <Links />
      </head>
      <body>
        <I18nProvider value={i18n}>
          <SiteHeader me={root?.me ?? null} />
          {root?.apiUnreachable ? (
            <div className="banner banner-warning" role="alert">
              {i18n.t('api.unavailable')}
            </div>
          ) : null}
          <main className="container">{children}</main>
          <SiteFooter />
        </I18nProvider>
        <HydrationMarker />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

/** Marks the document once React has hydrated it, so that tests (and nothing else) can wait for it. */
function HydrationMarker() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return null;
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  if (isRouteErrorResponse(error) && error.status === 404) return <ErrorPage kind="notFound" />;
  if (import.meta.env.DEV && error instanceof Error) console.error(error);
  return <ErrorPage kind="generic" />;
}
