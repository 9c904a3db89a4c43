export * from './digest';
export * from './envelope';
