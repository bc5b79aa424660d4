// The sign-in page as a first-time visitor on localhost gets it: every byte Chromium
// receives for it (headers included, by the DevTools protocol's count) and the time
// from navigation until its island is hydrated (the form is live). The release
// server and Chromium as the browser tests run them; `scripts/bench page` runs it.
// PAGE_BENCH_RUNS visits (default 10), each with an empty cache.
import { launchBrowser, startMailSink, startServer } from './tests/harness.mjs';

const runs = Number(process.env.PAGE_BENCH_RUNS ?? 10);
const mail = await startMailSink();
const server = await startServer(mail.port);
const browser = await launchBrowser();
const visits = [];
try {
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
    await page.goto(`${server.origin}/auth/login`);
    await page.waitForSelector('form[data-hydrated="true"]');
    const interactive = performance.now() - started;
    await page.waitForLoadState('networkidle');
    visits.push({ bytes, interactive, requests: received.size });
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
  await mail.close();
}
const sorted = (key) => visits.map((v) => v[key]).sort((a, b) => a - b);
const median = (values) => values[Math.floor(values.length / 2)];
const times = sorted('interactive');
const bytes = sorted('bytes');
console.log(
  `sign-in page: ${runs} first visits; transferred ${median(bytes)} bytes with headers ` +
    `(${visits[0].requests} responses); interactive after ${median(times).toFixed(0)} ms ` +
    `(median; ${times[0].toFixed(0)}–${times.at(-1).toFixed(0)} ms)`,
);
