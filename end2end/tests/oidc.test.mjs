// Signing in to another app through BMAuth (OpenID Connect, work in progress): the
// consent page the first time, straight back the second time, and Cancel. The app
// is a registered public client whose callback this test answers itself.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { expectAccessible, screenshot, world } from './harness.mjs';

/// The app: a real HTTP server on loopback whose callback records where browsers
/// arrived (a redirect leaves the browser; no interception follows it).
const arrived = [];
const theApp = createServer((request, response) => {
  arrived.push(new URL(request.url, 'http://localhost'));
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
