// The world a browser test runs in: a release server on a free loopback port
// (SQLite in a temporary folder), a real SMTP server catching its mail, and Debian's
// Chromium with a virtual authenticator per page.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { chromium } from 'playwright-core';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const artifacts = join(repo, 'end2end/test-results');
mkdirSync(join(artifacts, 'screenshots'), { recursive: true });

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/// A real SMTP server that keeps every message.
export async function startMailSink() {
  const mails = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (chunk) => (raw += chunk));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    port,
    mails,
    to: (address) => mails.filter((m) => m.to.includes(address)),
    /// The PIN of the newest mail to `address` (the line that is exactly six digits).
    async pinFor(address, count = 1) {
      for (let i = 0; i < 100 && this.to(address).length < count; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const mail = this.to(address).at(-1);
      if (!mail) throw new Error(`no mail to ${address}`);
      const line = mail.raw.split(/\r?\n/).map((l) => l.trim()).find((l) => /^\d{6}$/.test(l));
      if (!line) throw new Error(`no PIN in mail:\n${mail.raw}`);
      return line;
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/// The BMAuth release binary, configured through its environment (`env` adds
/// settings, e.g. `{ BMAUTH_LINK__NEW_DEVICE_SHOWS_CODE: 'false' }`).
export function startServer(smtpPort, env = {}, configFile) {
  const binary = process.env.E2E_SERVER_BINARY ?? join(targetDir, 'release/bmauth');
  return spawnServer(smtpPort, binary, ['serve'], configFile, (port) => ({
    BMAUTH_LISTEN: `127.0.0.1:${port}`,
    BMAUTH_SITE_DIR: join(repo, 'target/site'),
    ...env,
  }));
}

/// Settings for a server behind a reverse proxy on loopback, with the tests' small
/// GeoIP database: a device whose requests say `X-Forwarded-For: 198.51.100.7`
/// (see `newDevice`'s `forwardedFor`) is a visitor from "near London".
export const behindProxyWithGeoip = {
  BMAUTH_CLIENT_IP_HEADER: 'x-forwarded-for',
  BMAUTH_TRUSTED_PROXIES: '["127.0.0.1/32", "::1/128"]',
  BMAUTH_GEOIP_DATABASE: join(repo, 'tests/data/test-city.mmdb'),
};

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/// Runs axe-core on the page as it is now and fails on any violation (WCAG 2.x A
/// and AA rules and best practices). Evaluated through DevTools, so the page's CSP
/// stays as it is.
export async function expectAccessible(page, what) {
  await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() => axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const found = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(found, [], `axe-core on ${what}`);
}

/// The Leptos example app (examples/leptos_host), release build.
export function startLeptosHost(smtpPort) {
  const binary = process.env.E2E_LEPTOS_HOST_BINARY ?? join(targetDir, 'release/leptos-host');
  return spawnServer(smtpPort, binary, [], undefined, (port) => ({
    ACME_LISTEN: `127.0.0.1:${port}`,
    ACME_SITE_DIR: join(repo, 'target/leptos-host-site'),
  }));
}

const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');

/// A server on a free loopback port: SQLite in a temporary folder, mail to the sink;
/// `configFile`, if given, is its `bmauth.toml` (read from the folder it starts in).
async function spawnServer(smtpPort, binary, args, configFile, ownEnv) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'bmauth-e2e-'));
  if (configFile) writeFileSync(join(data, 'bmauth.toml'), configFile);
  const origin = `http://localhost:${port}`;
  const env = {
    ...process.env,
    RUST_LOG: 'warn',
    ...ownEnv(port),
    BMAUTH_PUBLIC_URL: origin,
    BMAUTH_DATABASE_URL: `sqlite://${data}/bmauth.db`,
    BMAUTH_DATA_DIR: data,
    BMAUTH_SMTP__HOST: '127.0.0.1',
    BMAUTH_SMTP__PORT: String(smtpPort),
    BMAUTH_SMTP__TLS: 'none',
    BMAUTH_SMTP__FROM: 'BMAuth <no-reply@bmauth.test>',
  };
  const child = spawn(binary, args, { cwd: data, env, stdio: ['ignore', 'inherit', 'inherit'] });
  /// The same binary as a command line on this server's database and settings
  /// (e.g. `cli(['clients', 'add', ...])`): its standard output.
  const cli = (cliArgs) => new Promise((ok, fail) => {
    execFile(binary, cliArgs, { cwd: data, env }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${binary} ${cliArgs.join(' ')}: ${error.message}\n${stderr}`));
      else ok(stdout);
    });
  });
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/auth/status`);
      if (res.ok) return { origin, stop: () => child.kill('SIGTERM'), cli };
    } catch {}
    if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${binary} did not start`);
}

/// Debian's Chromium. With `camera`, a y4m file, its camera sees that picture.
export async function launchBrowser({ camera } = {}) {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
  if (camera) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`);
  }
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
}

/// What a camera pointed at this element sees: a y4m video of its picture on a white
/// 640x480 frame (4:2:0), for `launchBrowser({ camera })`. A hand-held camera never
/// gives the same frame twice, so the picture comes at a few sizes in turn: a single
/// still frame that the decoder happens to misread would never change.
export async function cameraFeedOf(locator, name) {
  const png = join(artifacts, `${name}.png`);
  await locator.screenshot({ path: png });
  [1, 0.9, 1.1, 0.8].forEach((scale, i) => {
    execFileSync('ffmpeg', ['-y', '-loglevel', 'error', '-i', png, '-vf',
      `scale=iw*${scale}:ih*${scale},pad=640:480:(ow-iw)/2:(oh-ih)/2:white`,
      join(artifacts, `${name}-${i}.png`)]);
  });
  const y4m = join(artifacts, `${name}.y4m`);
  execFileSync('ffmpeg', ['-y', '-loglevel', 'error', '-framerate', '4',
    '-i', join(artifacts, `${name}-%d.png`), '-vf', 'format=yuv420p',
    '-f', 'yuv4mpegpipe', y4m]);
  return y4m;
}

/// The text of the QR code in a PNG picture, read as a phone's camera app would.
export function readQr(png) {
  const image = PNG.sync.read(png);
  return jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data;
}

/// A device: its own browser context (cookies) and page, with a platform
/// authenticator that has a biometric (user verification) and resident keys.
export async function newDevice(browser, { width = 1280, height = 860, forwardedFor } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    // As a reverse proxy would say where this device's requests come from.
    extraHTTPHeaders: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // Chromium logs every 4xx answer as an error; the app expects some (a wrong PIN).
    const expected = /Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text());
    if ((msg.type() === 'error' && !expected) || /Content Security Policy/i.test(msg.text())) {
      problems.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return {
    context, page, cdp, authenticatorId, problems,
    setUserVerified: (isUserVerified) =>
      cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    close: () => context.close(),
  };
}

/// Signs up on this device: email, the passkey, on to the code page.
export async function signUp(page, origin, email) {
  await page.goto(`${origin}/auth/register`);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account with passkey' }).click();
  await page.waitForURL(/\/auth\/verify/);
  await interactive(page);
}

/// Waits until the page's island has hydrated (its form is live).
export async function interactive(page) {
  await page.waitForSelector('form[data-hydrated="true"]', { timeout: 15000 });
}

export async function screenshot(page, name) {
  for (const [label, width] of [['desktop', 1280], ['phone', 390]]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 860 });
    await page.screenshot({ path: join(artifacts, 'screenshots', `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 860 });
}

/// What one test file runs against: a mail sink, a server and Chromium, started
/// before its tests and stopped after them. Every device made with `device()` must
/// end with a clean console (no CSP violations, no uncaught errors).
export function world({ env, configFile } = {}) {
  const w = { devices: [], browsers: [] };
  // Node 20 runs a file's top-level `before` hooks side by side: a test file's own
  // `before` that needs the server awaits `w.ready` first.
  let started;
  w.ready = new Promise((ok, fail) => (started = { ok, fail }));
  w.ready.catch(() => {});
  before(async () => {
    try {
      w.mail = await startMailSink();
      w.server = await startServer(w.mail.port, env, configFile);
      w.browser = await launchBrowser();
      w.browsers.push(w.browser);
      started.ok();
    } catch (e) {
      started.fail(e);
      throw e;
    }
  });
  after(async () => {
    for (const device of w.devices) {
      assert.deepEqual(device.problems, [], 'no CSP violations or uncaught errors in the console');
    }
    for (const b of w.browsers) await b.close();
    w.server?.stop();
    await w.mail?.close();
  });
  /// A device in this world's browser (or in `inBrowser`, e.g. one with a camera).
  w.device = async (options, inBrowser = w.browser) => {
    const d = await newDevice(inBrowser, options);
    w.devices.push(d);
    return d;
  };
  /// A person with an account, signed in on this device.
  w.signedIn = async (page, email) => {
    await signUp(page, w.server.origin, email);
    await page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));
    await page.waitForURL(`${w.server.origin}/`);
  };
  return w;
}
