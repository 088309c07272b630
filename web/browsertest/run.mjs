// Browser tests of Truce's web interface, in Debian's chromium driven by
// playwright-core. cmd/truce/browser_test.go starts a demo server and runs
//
//	node run.mjs BASE_URL
//
// with TRUCE_KEYS (the demo's key directory) and, to save screenshots of
// every page, TRUCE_SCREENSHOTS (a directory). Each scenario prints one
// line, "ok NAME MS" or "FAIL NAME: reason"; the Go test turns them into
// subtests. TRUCE_ONLY=name,name runs some.
import { chromium } from 'playwright-core';
import { scenarios, timings } from './scenarios.mjs';

const base = process.argv[2];
const only = (process.env.TRUCE_ONLY || '').split(',').filter(Boolean);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // playwright gives the browser a fresh --user-data-dir of its own.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  timeout: 30000,
});
let failed = 0;
const ctx = { base, keys: process.env.TRUCE_KEYS, shots: process.env.TRUCE_SCREENSHOTS, browser };
try {
  for (const [name, fn] of Object.entries(scenarios)) {
    if (only.length && !only.includes(name)) continue;
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    // Failed requests count, except the probes of endpoints a server may
    // not have yet (the pages tolerate their absence).
    page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    page.on('response', r => {
      if (r.status() >= 400 && !/\/v1\/(witnesses|whoami)$/.test(new URL(r.url()).pathname) && !ctx.allowFailures) errors.push(`${r.status()} ${r.url()}`);
    });
    const start = Date.now();
    try {
      await fn({ ...ctx, context, page, errors });
      if (errors.length) throw new Error('errors in the page: ' + errors.join(' | '));
      console.log(`ok ${name} ${Date.now() - start}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${String(e.message || e).replaceAll('\n', ' ')}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
}
for (const [path, ms] of timings) console.log(`timing ${path} ${ms}`);
process.exit(failed ? 1 : 0);
