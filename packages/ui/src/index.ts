export * from './format';
export * from './data-table';
