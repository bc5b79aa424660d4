// The Leptos example (examples/leptos_host): BMAuth's pages inside another app's
// layout, and that app's own server functions knowing who signed in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  interactive, launchBrowser, newDevice, screenshot, startLeptosHost, startMailSink,
} from './harness.mjs';

let mail, server, browser, device;

before(async () => {
  mail = await startMailSink();
  server = await startLeptosHost(mail.port);
  browser = await launchBrowser();
  device = await newDevice(browser);
});

after(async () => {
  assert.deepEqual(device?.problems, [], 'no CSP violations or uncaught errors in the console');
  await browser?.close();
  server?.stop();
  await mail?.close();
});

test('a Leptos app signs people up and in through BMAuth, in its own layout', async () => {
  const { page, credentials } = device;
  const email = 'margaret@example.com';

  // Acme's protected page sends a visitor to BMAuth's sign-in, inside Acme's bar.
  // The server answers with a redirect, which goto follows.
  const landed = await page.goto(`${server.origin}/notes`);
  assert.match(page.url(), /\/auth\/login\?next=%2Fnotes/,
    `landed on ${page.url()} (${landed?.status()}): ${await page.locator('body').innerText()}`);
  await interactive(page);
  assert.equal(await page.locator('.acme-brand').textContent(), 'Acme Notes');
  assert.match(await page.title(), /Sign in · Acme Notes/);
  await screenshot(page, 'leptos-host-sign-in');

  await page.getByRole('link', { name: 'Create an account' }).click();
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account with passkey' }).click();
  await page.waitForURL(/\/auth\/verify/);
  await interactive(page);
  assert.equal((await credentials()).length, 1, 'the device made a passkey');
  await page.getByLabel('6-digit code').fill(await mail.pinFor(email));

  // Back on Acme's page, which asked its `current_user` server function.
  await page.waitForURL(`${server.origin}/notes`);
  assert.equal(await page.getByTestId('acme-user').textContent(), email);

  // Acme's sign-out island calls its `sign_out` server function.
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
  await page.waitForSelector('button[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.origin}/`);
  await page.goto(`${server.origin}/notes`);
  await page.waitForURL(/\/auth\/login\?next=%2Fnotes/);

  // And in again with the passkey.
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.waitForURL(`${server.origin}/notes`);
  assert.equal(await page.getByTestId('acme-user').textContent(), email);
});
