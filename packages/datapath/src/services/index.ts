// Service load balancing (issue 7): maps, selection tables, the ServiceTable writer, and the
// socket-level and NodePort attachments.
export * from './lbCodec';
export * from './maglev';
export * from './nodePort';
export * from './serviceTable';
export * from './socketLb';
export * from './types';
export * from './weightedSlots';
