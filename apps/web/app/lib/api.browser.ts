import type { AppRouter } from '@ggzy/api';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';

const CSRF_COOKIE = 'ggzy_csrf';

/** The double-submit CSRF token this origin handed the browser (server.mjs), for mutations. */
export function csrfToken(): string {
  const match = new RegExp(`(?:^|;\\s*)${CSRF_COOKIE}=([^;]*)`).exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : '';
}

function createBrowserApi() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: '/api/trpc' }),
        // Double-submit CSRF: only a page of this origin can read the cookie to copy it here.
        false: httpLink({
          url: '/api/trpc',
          headers: ({ op }) => (op.type === 'mutation' ? { 'x-csrf-token': csrfToken() } : {}),
        }),
      }),
    ],
  });
}

let client: ReturnType<typeof createBrowserApi> | undefined;

/** The API from the browser, through this origin's /api proxy. Call only in effects and handlers. */
export function browserApi() {
  return (client ??= createBrowserApi());
}
