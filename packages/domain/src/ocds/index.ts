export * from './types';
export * from './release';
