export * from './errors';
export * from './auth/roles';
export * from './auth/permissions';
export * from './auth/credentials';
export * from './organisation/credit-code';
