// Adding a device by QR code, in real Chromium: two devices (browser contexts, or
// a second browser whose fake camera is fed the first one's QR code), each with its
// own virtual authenticator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cameraFeedOf, expectAccessible, interactive, launchBrowser, readQr, screenshot, world,
} from './harness.mjs';

const w = world();
const { device, signedIn } = w;

const phoneSize = { width: 390, height: 844 };

async function openLink(page, url = `${w.server.origin}/link`) {
  await page.goto(url);
  await page.waitForSelector('[data-hydrated="true"]');
}

/// A new device (not signed in) shows its QR code and number on its /link page.
async function showCode(page) {
  await openLink(page);
  await page.getByRole('button', { name: 'Show a code on this device instead' }).click();
  const qr = page.getByTestId('link-qr');
  await qr.waitFor();
  return { qr, number: await page.getByTestId('link-number').textContent() };
}

/// The approved new device is shown the account it would join (masked), and joins.
async function confirmJoin(page, email) {
  const account = page.getByTestId('link-account');
  await account.waitFor({ timeout: 15000 });
  const [local, domain] = email.split('@');
  assert.equal(await account.textContent(), `${local.slice(0, 2)}…@${domain}`);
  await page.getByRole('button', { name: 'Add this device' }).click();
}

/// The signed-in device types the number and approves with its biometric.
async function approve(page, number) {
  await page.getByTestId('link-request').waitFor();
  await page.getByLabel('The number shown on the new device').fill(number);
  await page.getByRole('button', { name: 'Approve with passkey' }).click();
}

test('a phone scans the computer\'s code with its camera and is approved there', async () => {
  const email = 'katherine@example.com';
  const started = Date.now();
  const computer = await device();
  await signedIn(computer.page, email);
  await openLink(computer.page);
  await computer.page.getByRole('button', { name: 'Show a code to scan' }).click();
  const qr = computer.page.getByTestId('link-qr');
  await qr.waitFor();
  await screenshot(computer.page, 'link-offer');
  // A screen reader hears what the picture is, and where the code is in words.
  assert.equal(await qr.getAttribute('role'), 'img');
  assert.match(await qr.getAttribute('aria-label'), /code to type is written below/);
  await expectAccessible(computer.page, 'the QR code to scan');

  // The phone: its own browser, its camera pointed at the computer's screen.
  const phoneBrowser = await launchBrowser({ camera: await cameraFeedOf(qr, 'offer-qr') });
  w.browsers.push(phoneBrowser);
  const phone = await device(phoneSize, phoneBrowser);
  await openLink(phone.page);
  await phone.page.getByRole('button', { name: 'Scan a code' }).click();
  const number = phone.page.getByTestId('link-number');
  await number.waitFor({ timeout: 15000 });
  await screenshot(phone.page, 'link-new-device-number');

  await computer.page.getByTestId('link-request').waitFor({ timeout: 15000 });
  assert.match(await computer.page.getByTestId('link-request').textContent(), /Linux/);
  await screenshot(computer.page, 'link-approve');
  await approve(computer.page, await number.textContent());
  await computer.page.getByTestId('link-approved').waitFor();
  await phone.page.getByTestId('link-account').waitFor({ timeout: 15000 });
  await expectAccessible(phone.page, 'the new device confirming the account');
  await screenshot(phone.page, 'link-confirm-account');
  await confirmJoin(phone.page, email);
  await computer.page.getByTestId('link-done').waitFor({ timeout: 15000 });

  await phone.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await phone.page.getByTestId('signed-in-email').textContent(), email);
  assert.equal((await phone.credentials()).length, 1, 'the phone made its own passkey');
  console.log(`# device added by camera in ${Date.now() - started} ms (sign-up included)`);
  for (let i = 0; i < 50 && !w.mail.to(email).some((m) => m.raw.replace(/=\r\n/g, '').includes('was added')); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(w.mail.to(email).some((m) => m.raw.replace(/=\r\n/g, '').includes('was added')), 'the account is told');

  // Later the phone signs in alone, with its own passkey; the computer still can.
  await phone.page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
  await phone.page.getByRole('button', { name: 'Sign out' }).click();
  await phone.page.waitForURL(/\/auth\/login/);
  await interactive(phone.page);
  await phone.page.getByLabel('Email').fill(email);
  await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await phone.page.waitForURL(`${w.server.origin}/`);
});

test('a computer shows its code; the phone\'s camera app opens it and approves', async () => {
  const email = 'dorothy@example.com';
  const phone = await device(phoneSize);
  await signedIn(phone.page, email);

  const laptop = await device();
  const { qr, number } = await showCode(laptop.page);
  await screenshot(laptop.page, 'link-request');
  const url = readQr(await qr.screenshot());
  assert.ok(url?.startsWith(`${w.server.origin}/link#`), `the QR code holds our URL: ${url}`);

  await openLink(phone.page, url); // what the camera app does with it
  await approve(phone.page, number);
  await confirmJoin(laptop.page, email);
  await phone.page.getByTestId('link-done').waitFor({ timeout: 15000 });
  await laptop.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await laptop.page.getByTestId('signed-in-email').textContent(), email);

  // Someone who photographed the QR code opens it on their own device: nothing.
  const thief = await device();
  await openLink(thief.page, url);
  const refused = thief.page.getByRole('alert');
  await refused.waitFor();
  assert.match(await refused.textContent(), /sign in on this device first/);
  assert.equal((await thief.credentials()).length, 0);
});

test('the /link page is light until the camera is asked for', async () => {
  const d = await device(phoneSize);
  await openLink(d.page);
  await d.page.waitForLoadState('networkidle');
  const transferred = () => d.page.evaluate(() =>
    [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .map((e) => ({ name: e.name.replace(location.origin, ''), bytes: e.encodedBodySize })));
  const before = await transferred();
  const total = before.reduce((sum, e) => sum + e.bytes, 0);
  console.log(`# /link page: ${total} bytes transferred (compressed) before the camera is asked for`);
  assert.ok(!before.some((e) => e.name.includes('html5-qrcode')), 'no scanner before "Scan a code"');
  assert.ok(!before.some((e) => e.name.includes('bmauth-manage')), 'no account pages\' bundle');
  assert.equal(await d.page.evaluate(() => typeof Html5Qrcode), 'undefined');

  await d.page.getByRole('button', { name: 'Scan a code' }).click();
  await d.page.waitForFunction(() => typeof Html5Qrcode === 'function');
  const scanner = (await transferred()).find((e) => e.name.includes('html5-qrcode'))?.bytes ?? 0;
  console.log(`# the scanner, fetched on "Scan a code": ${scanner} bytes`);
  assert.ok(scanner > 0, 'the scanner is fetched when asked for');
});

test('a wrong number refuses the request on both devices', async () => {
  const phone = await device(phoneSize);
  await signedIn(phone.page, 'mary@example.com');
  const laptop = await device();
  const { qr, number: shown } = await showCode(laptop.page);
  const number = Number(shown);
  const url = readQr(await qr.screenshot());

  await openLink(phone.page, url);
  await approve(phone.page, String((number + 1) % 100).padStart(2, '0'));
  const refused = phone.page.getByRole('alert');
  await refused.waitFor();
  assert.match(await refused.textContent(), /isn't the number on the other device/);
  const denied = laptop.page.getByRole('alert');
  await denied.waitFor({ timeout: 15000 });
  assert.match(await denied.textContent(), /denied/);
  assert.equal((await laptop.credentials()).length, 0, 'no passkey was made');
});

test('without a camera, the typed code does the same', async () => {
  const email = 'grace.h@example.com';
  const computer = await device();
  await signedIn(computer.page, email);
  await openLink(computer.page);
  await computer.page.getByRole('button', { name: 'Show a code to scan' }).click();
  const code = await computer.page.getByTestId('link-code').textContent();

  // This browser has no camera at all.
  const tablet = await device(phoneSize);
  await openLink(tablet.page);
  await tablet.page.getByRole('button', { name: 'Scan a code' }).click();
  const problem = tablet.page.getByRole('alert');
  await problem.waitFor({ timeout: 15000 });
  assert.match(await problem.textContent(), /camera/i);
  await screenshot(tablet.page, 'link-no-camera');

  await tablet.page.getByLabel(/Type the code shown on the other device/).fill(code);
  await tablet.page.getByRole('button', { name: 'Use this code' }).click();
  const number = await tablet.page.getByTestId('link-number').textContent();
  await approve(computer.page, number);
  await confirmJoin(tablet.page, email);
  await tablet.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await tablet.page.getByTestId('signed-in-email').textContent(), email);
});

test('the signed-in phone scans the new computer\'s code in the page, or denies it', async () => {
  const email = 'ada.l@example.com';
  const laptop = await device();
  const { qr, number } = await showCode(laptop.page);

  // The phone's own camera, in BMAuth's page, pointed at the laptop's screen.
  const phoneBrowser = await launchBrowser({ camera: await cameraFeedOf(qr, 'request-qr') });
  w.browsers.push(phoneBrowser);
  const phone = await device(phoneSize, phoneBrowser);
  await signedIn(phone.page, email);
  await openLink(phone.page);
  await phone.page.getByRole('button', { name: 'Scan the new device\'s code' }).click();
  await approve(phone.page, number);
  await confirmJoin(laptop.page, email);
  await phone.page.getByTestId('link-done').waitFor({ timeout: 15000 });
  await laptop.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await laptop.page.getByTestId('signed-in-email').textContent(), email);

  // A request nobody expected is denied, and the asking device is told.
  const stranger = await device();
  const { qr: strangerQr } = await showCode(stranger.page);
  await openLink(phone.page, readQr(await strangerQr.screenshot()));
  await phone.page.getByTestId('link-request').waitFor();
  await phone.page.getByRole('button', { name: 'Deny' }).click();
  await phone.page.getByTestId('link-done').waitFor();
  const told = stranger.page.getByRole('alert');
  await told.waitFor({ timeout: 15000 });
  assert.match(await told.textContent(), /denied/);
});

test('a new device approved into another account sees whose it is, and says no', async () => {
  // Someone who got the new device's code and number approves it into their own
  // account: the new device is shown that account, masked, before making a passkey.
  const mallory = await device(phoneSize);
  await signedIn(mallory.page, 'mallory@evil.example');
  const laptop = await device();
  const { qr, number } = await showCode(laptop.page);
  await openLink(mallory.page, readQr(await qr.screenshot()));
  await approve(mallory.page, number);
  await mallory.page.getByTestId('link-approved').waitFor();

  const account = laptop.page.getByTestId('link-account');
  await account.waitFor({ timeout: 15000 });
  assert.equal(await account.textContent(), 'ma…@evil.example');
  await expectAccessible(laptop.page, 'the new device shown another account');
  await screenshot(laptop.page, 'link-not-my-account');
  await laptop.page.getByRole('button', { name: 'No, not my account' }).click();
  await laptop.page.getByTestId('link-done').waitFor();
  assert.match(await laptop.page.getByTestId('link-done').textContent(), /not added/i);
  assert.equal((await laptop.credentials()).length, 0, 'no passkey was made');

  // The approving side is told too.
  const told = mallory.page.getByTestId('link-done');
  await told.waitFor({ timeout: 15000 });
  assert.match(await told.textContent(), /said no/);
});
