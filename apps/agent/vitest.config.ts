import { defineConfig } from 'vitest/config';

// Kernel tests share bpffs and the host network namespace with other packages' tests: files run
// one at a time.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
