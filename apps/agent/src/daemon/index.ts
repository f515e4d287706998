// Entry points that need the kernel (loaded on demand by the CLI, see cli/daemonCommands.ts).
export { agentMain } from './agentMain';
export { demoMain } from './demo';
