export * from './boundedQueue';
export * from './filter';
export * from './flow';
export { type FlowBatch, FlowListInput, FlowSubscribeInput } from './flowsRouter';
export { type AppRouter, appRouter, type RouterInputs, type RouterOutputs } from './router';
export * from './schemas';
export type * from './service';
export { testFlow } from './testFlows';
export type { ApiContext } from './trpc';
