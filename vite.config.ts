import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // onnxruntime-node is a native addon: separate processes are safer than worker threads.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
