import { isRouteErrorResponse, Outlet } from 'react-router';
import type { Route } from './+types/layout';
import { ErrorPage } from '../../components/error-page';
import { requireAccount, type Forbidden } from '../../lib/session.server';

/** Everything under /w needs a session; without one, sign in and come back. */
export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireAccount(request, context) };
}

export default function WorkspaceLayout() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  if (isRouteErrorResponse(error)) {
    const body = error.data as Partial<Forbidden> | { kind: 'unavailable' } | null;
    if (error.status === 403 && body?.kind === 'forbidden' && body.page && body.role) {
      return <ErrorPage kind="forbidden" page={body.page} role={body.role} />;
    }
    if (error.status === 503) return <ErrorPage kind="unavailable" />;
    if (error.status === 404) return <ErrorPage kind="notFound" />;
  }
  return <ErrorPage kind="generic" />;
}
