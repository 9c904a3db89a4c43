import 'react-router';

declare module 'react-router' {
  interface AppLoadContext {
    /** The browser's address as server.mjs saw it, forwarded to the API for the trace log. */
    clientAddress?: string;
  }
}

declare global {
  interface ImportMetaEnv {
    /** The trace log's checkpoint verifier key `<name>+<hash>+<key>`, pinned at build time (else on the first visit). */
    readonly VITE_CHECKPOINT_KEY?: string;
  }
}
