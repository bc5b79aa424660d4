// Signing in to a real third-party app through BMAuth: examples/fastapi_app (FastAPI
// and Authlib's Starlette client, a public client with PKCE) on its own loopback
// port, registered with `bmauth clients add` on the same database as the server.
// A newcomer signs up inside the authorization and consents once; signing in again
// goes straight back; `prompt=login` asks for the passkey again. The app's sign-out
// ends the BMAuth session too (RP-initiated logout). Someone with an account signs
// in by email and passkey inside the authorization.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort, interactive, repo, screenshot, world } from './harness.mjs';

const appDir = join(repo, 'examples/fastapi_app');

/// A virtualenv with the example's requirements, kept between runs (outside the
/// repo) under a hash of requirements.txt, so that changed pins make a new one.
function venv() {
  const requirements = readFileSync(join(appDir, 'requirements.txt'));
  const key = createHash('sha256').update(requirements).digest('hex').slice(0, 16);
  const root = process.env.BMAUTH_FASTAPI_VENV_DIR ?? join(homedir(), '.cache/bmauth-fastapi-venv');
  const dir = join(root, key);
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(root, { recursive: true });
    for (const old of readdirSync(root)) rmSync(join(root, old), { recursive: true, force: true });
    execFileSync(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(join(dir, 'bin/pip'), ['install', '--quiet', '--disable-pip-version-check',
      '-r', join(appDir, 'requirements.txt')], { stdio: 'inherit' });
    writeFileSync(join(dir, '.complete'), '');
  }
  return dir;
}

const w = world();
const app = {};

before(async () => {
  await w.ready;
  const python = venv();
  const port = await freePort();
  app.origin = `http://localhost:${port}`;
  const added = await w.server.cli(['clients', 'add', '--name', 'FastAPI example',
    '--redirect-uri', `${app.origin}/auth`, '--post-logout-redirect-uri', `${app.origin}/`, '--public']);
  const clientId = added.match(/^client_id=(\S+)$/m)?.[1];
  assert.ok(clientId, `a client_id from \`bmauth clients add\`:\n${added}`);
  assert.doesNotMatch(added, /client_secret=/, 'a public client has no secret');
  const listed = await w.server.cli(['clients', 'list']);
  assert.ok(listed.includes(clientId), `\`bmauth clients list\` shows the new client:\n${listed}`);

  app.child = spawn(join(python, 'bin/uvicorn'), ['app:app', '--host', '127.0.0.1',
    '--port', String(port), '--log-level', 'warning'], {
    cwd: appDir,
    env: {
      ...process.env, PYTHONDONTWRITEBYTECODE: '1',
      BMAUTH_URL: w.server.origin, APP_URL: app.origin, CLIENT_ID: clientId,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {}
    if (app.child.exitCode !== null) throw new Error(`uvicorn exited with ${app.child.exitCode}`);
    if (i > 300) throw new Error('the FastAPI app did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(() => app.child?.kill('SIGTERM'));

/// Every address the page's main frame went to from now on (redirects included).
function visits(page) {
  const urls = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) urls.push(request.url());
  });
  return urls;
}

/// The app's page says who is signed in.
async function appSays(page, text) {
  await page.waitForURL(`${app.origin}/`);
  await page.getByText(text).waitFor();
}

/// How many signatures this device's passkeys have made.
async function signatures(d) {
  return (await d.credentials()).reduce((sum, c) => sum + c.signCount, 0);
}

/// Passkey autofill would sign in by itself (the virtual authenticator accepts the
/// offer); these people type their email instead, so it is kept out of the way.
async function noAutofill(page) {
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
}

test('a newcomer signs up inside the sign-in to the app, consents once, signs in again, and is asked again for prompt=login', async () => {
  const email = 'noether@example.com';
  const d = await w.device();
  const { page } = d;

  // (i) The app's button leads to BMAuth's sign-in, and on to making an account.
  await page.goto(`${app.origin}/`);
  await page.getByRole('link', { name: 'Sign in with BMAuth' }).click();
  await page.waitForURL(`${w.server.origin}/auth/login?**`);
  assert.match(new URL(page.url()).searchParams.get('next'), /^\/oauth\/authorize\?/);
  await interactive(page);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(`${w.server.origin}/auth/register?**`);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account with passkey' }).click();
  await page.waitForURL(/\/auth\/verify/);
  await interactive(page);
  assert.equal((await d.credentials()).length, 1, 'the device made a passkey');
  await page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));
  await page.waitForURL(`${w.server.origin}/auth/consent?**`);
  assert.equal(await page.getByTestId('consent-app').textContent(), 'Sign in to FastAPI example?');
  assert.equal(await page.getByTestId('consent-email').textContent(), email);
  assert.equal(await page.getByTestId('consent-returns-to').textContent(), 'localhost');
  await screenshot(page, 'consent-fastapi');
  await page.getByRole('button', { name: 'Continue' }).click();
  await appSays(page, `Signed in as ${email}`);

  // (ii) The app forgets them (its cookie is gone); signing in again is one click,
  // with neither BMAuth's sign-in nor its consent page on the way.
  await d.context.clearCookies({ name: 'fastapi_app' });
  await page.goto(`${app.origin}/`);
  await page.getByRole('link', { name: 'Sign in with BMAuth' }).waitFor();
  const again = visits(page);
  await page.getByRole('link', { name: 'Sign in with BMAuth' }).click();
  await appSays(page, `Signed in as ${email}`);
  assert.ok(again.some((u) => u.startsWith(`${w.server.origin}/oauth/authorize?`)), again.join('\n'));
  assert.deepEqual(again.filter((u) => /\/auth\/(login|consent|register)/.test(u)), [],
    'straight back through BMAuth');

  // (iii) prompt=login: BMAuth asks for the passkey again, then sends them back.
  const signed = await signatures(d);
  await noAutofill(page);
  await page.goto(`${app.origin}/login?fresh=1`);
  // Either BMAuth's sign-in page, or (wrongly) straight back to the app.
  await page.waitForURL((u) => u.href.startsWith(`${w.server.origin}/auth/login?`)
    || (u.href.startsWith(`${app.origin}/`) && u.pathname !== '/login'));
  assert.equal(new URL(page.url()).pathname, '/auth/login',
    `prompt=login asks for the passkey again, but the browser went on to ${page.url()}`);
  assert.equal(new URL(page.url()).searchParams.get('again'), '1');
  assert.match(new URL(page.url()).searchParams.get('next'), /^\/oauth\/authorize\?/);
  await interactive(page);
  await screenshot(page, 'sign-in-again-fastapi');
  const field = page.getByLabel('Email');
  if (!(await field.inputValue())) await field.fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await appSays(page, `Signed in as ${email}`);
  assert.ok(await signatures(d) > signed, 'the passkey signed again');
});

test("the app's sign-out ends the BMAuth session too, and comes back to the app", async () => {
  const email = 'hopper@example.com';
  const { page } = await w.device();
  await w.signedIn(page, email);
  await page.goto(`${app.origin}/`);
  await page.getByRole('link', { name: 'Sign in with BMAuth' }).click();
  await page.waitForURL(`${w.server.origin}/auth/consent?**`);
  await page.getByRole('button', { name: 'Continue' }).click();
  await appSays(page, `Signed in as ${email}`);

  const out = visits(page);
  await page.getByRole('link', { name: 'Sign out' }).click();
  await page.waitForURL(`${app.origin}/?**`);
  await page.getByText('You are signed out.').waitFor(); // the app checked `state`
  assert.ok(await page.getByRole('link', { name: 'Sign in with BMAuth' }).isVisible());
  assert.equal(await page.getByText(/Signed in as/).count(), 0);
  const logout = out.map((u) => new URL(u)).find((u) => u.href.startsWith(`${w.server.origin}/oauth/logout?`));
  assert.ok(logout, `through BMAuth's end_session_endpoint:\n${out.join('\n')}`);
  assert.ok(logout.searchParams.get('id_token_hint'), 'with the ID token as the hint');
  assert.equal(logout.searchParams.get('post_logout_redirect_uri'), `${app.origin}/`);
  assert.equal(out.filter((u) => u.startsWith(`${w.server.origin}/auth/logout`)).length, 0,
    'no "Sign out of BMAuth?" question: the hint was good');
  await page.goto(`${w.server.origin}/`);
  await page.waitForURL(`${w.server.origin}/auth/login?**`);
  const status = await page.evaluate(() => fetch('/auth/status').then((r) => r.json()));
  assert.equal(status.signed_in, false);
});

test('someone with an account signs in by email and passkey inside the sign-in to the app', async () => {
  const email = 'franklin@example.com';
  const d = await w.device({ width: 390, height: 844 });
  const { page } = d;
  await w.signedIn(page, email);
  await noAutofill(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/auth\/login/);

  await page.goto(`${app.origin}/`);
  await page.getByRole('link', { name: 'Sign in with BMAuth' }).click();
  await page.waitForURL(`${w.server.origin}/auth/login?**`);
  await interactive(page);
  const signed = await signatures(d);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.waitForURL(`${w.server.origin}/auth/consent?**`);
  assert.equal(await page.getByTestId('consent-email').textContent(), email);
  assert.ok(await signatures(d) > signed, 'signed in with the passkey');
  await page.getByRole('button', { name: 'Continue' }).click();
  await appSays(page, `Signed in as ${email}`);
});
