/**
 * @ggzy/crypto: portable (browsers, Web Workers, Node): nothing reachable from here imports node:*.
 * The Node-only envelope backend is the separate entry `@ggzy/crypto/node`.
 */
export * from './digest';
export * from './envelope';
export * from './pki';
export * from './opening-key';
