import 'react-router';

declare module 'react-router' {
  interface AppLoadContext {
    /** The browser's address as server.mjs saw it, forwarded to the API for the trace log. */
    clientAddress?: string;
  }
}
