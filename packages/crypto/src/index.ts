export * from './digest';
export * from './envelope';
export * from './pki';
