export * from './errors';
export * from './schedule';
export * from './names';
export * from './bundle';
export * from './bundle-reader';
export { crc32 } from './crc32';
