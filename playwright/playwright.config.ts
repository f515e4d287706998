import { defineConfig } from '@playwright/test';

// Browser tests against the production build of apps/web and a real standalone agent (see
// lab/agentLab.ts). Debian's Chromium; nothing is downloaded.
export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './lab/globalSetup.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.MEMBRANE_WEB_URL,
    viewport: { width: 1400, height: 860 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    acceptDownloads: true,
    trace: 'off',
  },
});
