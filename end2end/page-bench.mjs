// The pages as a first-time visitor on localhost gets them: every byte Chromium
// receives (headers included, by the DevTools protocol's count) and the time from
// navigation until the page's island is hydrated (its form or buttons are live).
// The sign-in page, and `/link` (which a phone opens from a QR code) until the
// person asks for the camera. The release server and Chromium as the browser tests
// run them; `scripts/bench page` runs it. PAGE_BENCH_RUNS visits of each (default
// 10), each with an empty cache.
import { launchBrowser, startMailSink, startServer } from './tests/harness.mjs';

const runs = Number(process.env.PAGE_BENCH_RUNS ?? 10);
const pages = [
  { name: 'sign-in page', path: '/auth/login', hydrated: 'form[data-hydrated="true"]' },
  { name: '/link page, camera not asked for', path: '/link', hydrated: '[data-hydrated="true"]' },
];
const mail = await startMailSink();
const server = await startServer(mail.port);
const browser = await launchBrowser();
try {
  for (const { name, path, hydrated } of pages) {
    const visits = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const received = new Map();
      cdp.on('Network.responseReceived', (e) => received.set(e.requestId, e.response.url));
      let bytes = 0;
      cdp.on('Network.loadingFinished', (e) => (bytes += e.encodedDataLength));
      const started = performance.now();
      await page.goto(`${server.origin}${path}`);
      await page.waitForSelector(hydrated);
      const interactive = performance.now() - started;
      await page.waitForLoadState('networkidle');
      visits.push({ bytes, interactive, requests: received.size });
      await context.close();
    }
    const sorted = (key) => visits.map((v) => v[key]).sort((a, b) => a - b);
    const median = (values) => values[Math.floor(values.length / 2)];
    const times = sorted('interactive');
    console.log(
      `${name}: ${runs} first visits; transferred ${median(sorted('bytes'))} bytes with headers ` +
        `(${visits[0].requests} responses); interactive after ${median(times).toFixed(0)} ms ` +
        `(median; ${times[0].toFixed(0)}–${times.at(-1).toFixed(0)} ms)`,
    );
  }
} finally {
  await browser.close();
  server.stop();
  await mail.close();
}
