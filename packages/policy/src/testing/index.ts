export * from './e2eModel';
export * from './fixtures';
export * from './truthTables';
export * from './workload';
