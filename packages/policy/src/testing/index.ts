export * from './e2eModel';
export * from './truthTables';
