export * from './types';
export * from './desired';
