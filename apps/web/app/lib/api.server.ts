import type { AppRouter } from '@ggzy/api';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppLoadContext } from 'react-router';

/** Where the API listens, as seen from this web server (never from the browser). */
export const API_URL = (process.env.API_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');

/**
 * The API as the signed-in person sees it, for loaders: the browser's cookies, user agent and
 * address travel with every call, so the API authorises and traces the person, not this server.
 * Loaders only read; every mutation is sent by the browser itself with its CSRF token.
 */
export function serverApi(request: Request, context: AppLoadContext) {
  const headers: Record<string, string> = {};
  const cookie = request.headers.get('cookie');
  if (cookie) headers.cookie = cookie;
  const userAgent = request.headers.get('user-agent');
  if (userAgent) headers['user-agent'] = userAgent;
  if (context.clientAddress) headers['x-forwarded-for'] = context.clientAddress;
  const requestId = request.headers.get('x-request-id');
  if (requestId) headers['x-request-id'] = requestId;
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${API_URL}/api/trpc`, headers })] });
}

export type ServerApi = ReturnType<typeof serverApi>;
