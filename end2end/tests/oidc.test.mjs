// Signing in to another app through BMAuth (OpenID Connect, work in progress): the
// consent page the first time, straight back the second time, and Cancel. The app
// is a registered public client whose callback this test answers itself.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { expectAccessible, interactive, screenshot, world } from './harness.mjs';

/// The app: a real HTTP server on loopback whose callback records where browsers
/// arrived (a redirect leaves the browser; no interception follows it).
const arrived = [];
const theApp = createServer((request, response) => {
  const url = new URL(request.url, 'http://localhost');
  // Only the callback: Chromium asks this origin for /favicon.ico too.
  if (url.pathname === '/callback') arrived.push(url);
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end('<!doctype html><title>Acme Notes</title><p>Back at Acme Notes</p>');
});
await new Promise((ok) => theApp.listen(0, '127.0.0.1', ok));
after(() => theApp.close());
const CALLBACK = `http://localhost:${theApp.address().port}/callback`;

const w = world({
  configFile: `
[[oidc.clients]]
id = "notes"
name = "Acme Notes"
redirect_uris = ["${CALLBACK}"]
public = true
`,
});

/// An authorization request as Acme Notes would send it (PKCE, RFC 7636 Appendix B).
function authorizeUrl() {
  const url = new URL(`${w.server.origin}/oauth/authorize`);
  for (const [k, v] of Object.entries({
    client_id: 'notes', redirect_uri: CALLBACK, response_type: 'code', scope: 'openid email',
    state: 'st-1', nonce: 'n-1', code_challenge_method: 'S256',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  })) url.searchParams.set(k, v);
  return url.toString();
}

test('signing in to an app asks once which address it may see, then goes straight back', async () => {
  const email = 'meitner@example.com';
  const d = await w.device({ width: 390, height: 844 });
  await w.signedIn(d.page, email);

  await d.page.goto(authorizeUrl());
  await d.page.waitForURL(/\/auth\/consent\?/);
  assert.equal(await d.page.getByTestId('consent-app').textContent(), 'Sign in to Acme Notes?');
  assert.equal(await d.page.getByTestId('consent-email').textContent(), email);
  assert.equal(await d.page.getByTestId('consent-returns-to').textContent(), 'localhost');
  await expectAccessible(d.page, 'the consent page');
  await screenshot(d.page, 'consent');
  await d.page.getByRole('button', { name: 'Continue' }).click();
  await d.page.waitForURL(`${CALLBACK}**`);
  const back = arrived.at(-1);
  assert.equal(back.searchParams.get('state'), 'st-1');
  assert.ok(back.searchParams.get('code'), 'a code');

  // The second time: no page, straight back.
  await d.page.goto(authorizeUrl());
  await d.page.waitForURL(`${CALLBACK}**`);
  assert.ok(arrived.at(-1).searchParams.get('code'));
});

test('Cancel on the consent page sends access_denied back to the app', async () => {
  const d = await w.device();
  await w.signedIn(d.page, 'hahn@example.com');
  await d.page.goto(authorizeUrl());
  await d.page.waitForURL(/\/auth\/consent\?/);
  await d.page.getByRole('button', { name: 'Cancel' }).click();
  await d.page.waitForURL(`${CALLBACK}**`);
  assert.equal(arrived.at(-1).searchParams.get('error'), 'access_denied');
  assert.equal(arrived.at(-1).searchParams.get('state'), 'st-1');
});

/// Keeps passkey autofill out of this page's sign-ins: the virtual authenticator
/// would accept its offer by itself, and these people type their email.
async function noAutofill(page) {
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
}

test('a person who lost their device recovers inside the sign-in to an app and lands back at the app', async () => {
  const email = 'curie@example.com';
  const lost = await w.device();
  await w.signedIn(lost.page, email);
  const [lostKey] = await lost.credentials();
  await lost.cdp.send('WebAuthn.removeCredential', {
    authenticatorId: lost.authenticatorId, credentialId: lostKey.credentialId,
  });

  const fresh = await w.device({ width: 390, height: 844 });
  const { page } = fresh;
  await noAutofill(page);
  await page.goto(authorizeUrl());
  await page.waitForURL(/\/auth\/login\?/);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.getByRole('link', { name: 'Lost my device' }).click();
  await page.waitForURL(/\/auth\/recover\?/);
  assert.match(new URL(page.url()).searchParams.get('next'), /^\/oauth\/authorize\?/);
  await interactive(page);
  const before = w.mail.to(email).length;
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByText('If an account exists for this address').waitFor();
  await page.getByLabel('6-digit code from the email').fill(await w.mail.pinFor(email, before + 1));
  // First the lost device goes, then on to the app.
  await page.getByRole('heading', { name: 'Remove the devices you no longer have' }).waitFor({ timeout: 15000 });
  await page.getByTestId('lost-passkey').getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Remove 1 passkey' }).click();
  await page.getByTestId('no-other-passkeys').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/auth\/consent\?/);
  assert.equal(await page.getByTestId('consent-email').textContent(), email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${CALLBACK}**`);
  assert.ok(arrived.at(-1).searchParams.get('code'));
});

test('a new device joins with another device inside the sign-in to an app and lands back at the app', async () => {
  const email = 'lovelace@example.com';
  const laptop = await w.device();
  await w.signedIn(laptop.page, email);
  await laptop.page.goto(`${w.server.origin}/link`);
  await laptop.page.waitForSelector('[data-hydrated="true"]');
  await laptop.page.getByRole('button', { name: 'Show a code to scan' }).click();
  const code = await laptop.page.getByTestId('link-code').textContent();

  const phone = await w.device({ width: 390, height: 844 });
  await noAutofill(phone.page);
  await phone.page.goto(authorizeUrl());
  await phone.page.waitForURL(/\/auth\/login\?/);
  await interactive(phone.page);
  await phone.page.getByLabel('Email').fill(email);
  await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await phone.page.getByRole('link', { name: 'Sign in with another device' }).click();
  await phone.page.waitForURL(/\/link\?/);
  assert.match(new URL(phone.page.url()).searchParams.get('next'), /^\/oauth\/authorize\?/);
  await phone.page.waitForSelector('[data-hydrated="true"]');
  await phone.page.getByLabel(/Type the code shown on the other device/).fill(code);
  await phone.page.getByRole('button', { name: 'Use this code' }).click();
  const number = await phone.page.getByTestId('link-number').textContent();
  await laptop.page.getByTestId('link-request').waitFor({ timeout: 15000 });
  await laptop.page.getByLabel('The number shown on the new device').fill(number);
  await laptop.page.getByRole('button', { name: 'Approve with passkey' }).click();
  await phone.page.getByRole('button', { name: 'Add this device' }).click();
  await phone.page.waitForURL(/\/auth\/consent\?/, { timeout: 15000 });
  await phone.page.getByRole('button', { name: 'Continue' }).click();
  await phone.page.waitForURL(`${CALLBACK}**`);
  assert.ok(arrived.at(-1).searchParams.get('code'));
});

test('the account page lists the apps signed in to, and Revoke makes the app ask again', async () => {
  const email = 'franklin@example.com';
  const d = await w.device({ width: 390, height: 844 });
  await w.signedIn(d.page, email);
  await d.page.goto(authorizeUrl());
  await d.page.waitForURL(/\/auth\/consent\?/);
  await d.page.getByRole('button', { name: 'Continue' }).click();
  await d.page.waitForURL(`${CALLBACK}**`);

  await d.page.goto(`${w.server.origin}/auth/account`);
  await d.page.waitForSelector('[data-hydrated="true"]');
  await d.page.getByRole('heading', { name: 'Apps you signed in to' }).waitFor();
  const listed = d.page.getByTestId('app');
  assert.equal(await listed.count(), 1);
  assert.match(await listed.textContent(), /Acme Notes.*Last signed in just now\. Sees your email address\./s);
  await expectAccessible(d.page, 'the account page with an app');
  await screenshot(d.page, 'account-apps');
  await listed.getByRole('button', { name: 'Revoke Acme Notes' }).click();
  await d.page.getByText('Acme Notes is signed out and must ask again').waitFor();
  await d.page.getByRole('heading', { name: 'Apps you signed in to' }).waitFor({ state: 'detached' });
  assert.equal(await d.page.getByTestId('app').count(), 0);

  await d.page.goto(authorizeUrl());
  await d.page.waitForURL(/\/auth\/consent\?/);
});
