import { defineConfig } from 'vitest/config';

// Kernel tests share bpffs and the host network namespace: run files one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
