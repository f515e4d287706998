export * from './desired';
export * from './engine';
export * from './parse';
export * from './schema';
export * from './types';
