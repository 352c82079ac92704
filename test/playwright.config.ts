// Browser tests: Debian's Chromium drives the real UI through `dstack server`
// (started by the global setup with a temp DSTACK_HOME). One worker: the
// specs share one server and the machine's two cores.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './browser',
  outputDir: '../test-results/playwright',
  globalSetup: './browser/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
