import { defineConfig } from '@playwright/test'
import { requireSystemDeps } from './test/helpers/system-deps'

// End-to-end tests: the real console in Debian's Chromium through browser mode (labsim → SSH →
// main → WebSocket → React), plus an Electron test that runs only where the Electron binary
// exists. Playwright never downloads a browser here: it drives /usr/bin/chromium, and without it
// the run stops here naming Debian's chromium package and scripts/install-test-deps.sh.
if (process.env.REPLAB_CHROMIUM === undefined) requireSystemDeps(['chromium'])
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  timeout: 180_000,
  expect: { timeout: 20_000 },
  workers: 1,
  retries: 0,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }],
    // scripts/test.mjs (npm test) reads the counts of its closing line from this file.
    ['json', { outputFile: 'test-results/e2e.json' }],
  ],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.REPLAB_CHROMIUM ?? '/usr/bin/chromium',
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
  },
})
