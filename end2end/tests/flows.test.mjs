// A person signing up, confirming their email and signing in, in a real browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifacts, interactive, screenshot, signUp as signUpAt, world,
} from './harness.mjs';

const w = world();
const { device } = w;

const signUp = (page, email) => signUpAt(page, w.server.origin, email);

test('sign up, confirm the email, sign out, sign in again', async () => {
  const { page, credentials } = await device();
  const email = 'ada@example.com';
  await page.goto(w.server.origin);
  await page.waitForURL(/\/auth\/login\?next=%2F/);
  await interactive(page);
  await screenshot(page, 'sign-in');

  await page.getByRole('link', { name: 'Create an account' }).click();
  await interactive(page);
  await screenshot(page, 'sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Create account with passkey' }).click();
  await page.waitForURL(/\/auth\/verify/);
  await interactive(page);
  assert.equal((await credentials()).length, 1, 'the device made a passkey');
  assert.match(await page.textContent('.lead'), /ada@example\.com/);
  await screenshot(page, 'verify');

  const pin = await w.mail.pinFor(email);
  await page.getByLabel('6-digit code').fill(pin); // sent on the 6th digit, no click
  await page.waitForURL(`${w.server.origin}/`);
  assert.equal(await page.getByTestId('signed-in-email').textContent(), email);
  await screenshot(page, 'home');

  // The virtual authenticator would accept the autofill offer by itself; this person
  // types their email instead, so autofill is kept out of this step (from before the
  // sign-in page loads, or it may sign in first).
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/auth\/login/);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.waitForURL(`${w.server.origin}/`);
  assert.equal(await page.getByTestId('signed-in-email').textContent(), email);
});

test('another device without the passkey is told so, with both ways on', async () => {
  const owner = await device();
  await signUp(owner.page, 'grace@example.com');
  await owner.page.getByLabel('6-digit code').fill(await w.mail.pinFor('grace@example.com'));
  await owner.page.waitForURL(`${w.server.origin}/`);

  const other = await device();
  await other.page.goto(`${w.server.origin}/auth/login`);
  await interactive(other.page);
  await other.page.getByLabel('Email').fill('grace@example.com');
  await other.page.getByRole('button', { name: 'Sign in with passkey' }).click();
  const notice = other.page.getByTestId('no-passkey');
  await notice.waitFor();
  assert.match(await notice.textContent(), /No passkey for this account was used on this device/);
  assert.ok(await other.page.getByRole('link', { name: 'Sign in with another device' }).isVisible());
  assert.ok(await other.page.getByRole('link', { name: 'Lost my device' }).isVisible());
  await screenshot(other.page, 'no-passkey-here');
  await other.page.getByRole('link', { name: 'Lost my device' }).click();
  await other.page.waitForURL(/\/auth\/recover\?email=grace%40example\.com/);
});

test('passkey autofill signs in without typing', async () => {
  const { page } = await device();
  await signUp(page, 'linus@example.com');
  await page.getByLabel('6-digit code').fill(await w.mail.pinFor('linus@example.com'));
  await page.waitForURL(`${w.server.origin}/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/auth\/login/);
  // The virtual authenticator answers the conditional request by itself, as a
  // person picking their passkey from the email field's suggestions would.
  await page.goto(`${w.server.origin}/auth/login`);
  await page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await page.getByTestId('signed-in-email').textContent(), 'linus@example.com');
});

test('a wrong PIN says how many tries are left; resending waits a minute', async () => {
  const { page } = await device();
  const email = 'hedy@example.com';
  await signUp(page, email);
  const resend = page.getByTestId('resend');
  assert.ok(await resend.isDisabled());
  assert.match(await resend.textContent(), /Send a new code in \d+ s/);
  const pin = await w.mail.pinFor(email);
  const wrong = String((Number(pin) + 1) % 1000000).padStart(6, '0');
  await page.getByLabel('6-digit code').fill(wrong);
  await page.getByRole('alert').filter({ hasText: 'tries left' }).waitFor();
  assert.match(await page.getByRole('alert').filter({ hasText: 'tries left' }).textContent(), /4 tries left/);
  await screenshot(page, 'verify-wrong-pin');
  await page.getByLabel('6-digit code').fill(pin);
  await page.waitForURL(`${w.server.origin}/`);
});

test('a device that does not verify the person gets a clear message', async () => {
  const d = await device();
  await d.setUserVerified(false);
  await d.page.goto(`${w.server.origin}/auth/register`);
  await interactive(d.page);
  await d.page.getByLabel('Email').fill('eve@example.com');
  await d.page.getByRole('button', { name: 'Create account with passkey' }).click();
  const alert = d.page.getByRole('alert').filter({ hasText: /confirm it's you|cancelled/ });
  await alert.waitFor();
  assert.match(await alert.textContent(), /didn't confirm it's you/);
  assert.equal(w.mail.to('eve@example.com').length, 0);
  await screenshot(d.page, 'sign-up-not-verified');
});

test('page weight and time to an interactive sign-in page', async () => {
  const d = await device();
  const start = Date.now();
  await d.page.goto(`${w.server.origin}/auth/login`);
  await interactive(d.page);
  const interactiveMs = Date.now() - start;
  const weight = await d.page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return entries.map((e) => ({ name: e.name.replace(location.origin, ''), bytes: e.encodedBodySize, type: e.initiatorType }));
  });
  const total = weight.filter((e) => !e.name.startsWith('/auth/login/')).reduce((sum, e) => sum + e.bytes, 0);
  const metrics = { interactiveMs, totalBytes: total, resources: weight };
  writeFileSync(join(artifacts, 'metrics.json'), JSON.stringify(metrics, null, 2));
  console.log(`sign-in page: ${total} bytes transferred (compressed), interactive in ${interactiveMs} ms`);
  assert.ok(total > 0);
  assert.ok(!weight.some((e) => /html5-qrcode|bmauth-link|bmauth-manage/.test(e.name)),
    'the sign-in page loads neither the QR scanner nor the other pages\' bundles');
});

test('a code typed in another browser does nothing there', async () => {
  const owner = await device();
  const email = 'ines@example.com';
  await signUp(owner.page, email);
  const pin = await w.mail.pinFor(email);

  const other = await device();
  await other.page.goto(`${w.server.origin}/auth/verify?email=${encodeURIComponent(email)}`);
  await interactive(other.page);
  await other.page.getByLabel('6-digit code').fill(pin);
  const alert = other.page.getByRole('alert').filter({ hasText: 'device where you signed up' });
  await alert.waitFor();
  assert.equal(new URL(other.page.url()).pathname, '/auth/verify');
  await screenshot(other.page, 'verify-other-browser');
  const status = await other.page.evaluate(() => fetch('/auth/status').then((r) => r.json()));
  assert.equal(status.signed_in, false);

  // In the owner's own browser the same code confirms.
  await owner.page.getByLabel('6-digit code').fill(pin);
  await owner.page.waitForURL(`${w.server.origin}/`);
  assert.equal(await owner.page.getByTestId('signed-in-email').textContent(), email);
});

test('a next with a tab in it stays on this site', async () => {
  const { page } = await device();
  const email = 'joan@example.com';
  await signUp(page, email);
  await page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));
  await page.waitForURL(`${w.server.origin}/`);
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/auth\/login/);
  // Browsers strip the tab: "/\t/evil.example/" would become "//evil.example/".
  const evil = `${w.server.origin}/auth/login?next=%2F%09%2Fevil.example%2F`;
  await page.goto(evil);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.waitForURL(`${w.server.origin}/`);
  // Signed in, the same link does not send the person away either.
  await page.goto(evil);
  await page.waitForURL(`${w.server.origin}/`);
  assert.equal(await page.getByTestId('signed-in-email').textContent(), email);
});
