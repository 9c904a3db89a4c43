export * from './region';
export * from './organisation';
export * from './account';
export * from './trace';
export * from './tender';
export * from './certificate';
export * from './bid';
export * from './live';
