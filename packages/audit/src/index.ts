export * from './merkle';
export * from './leaf';
export * from './checkpoint';
export * from './append';
export * from './sequence';
export * from './proofs';
export * from './entries';
export * from './verify';
export { rowToLeafEntry } from './row';
