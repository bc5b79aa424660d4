// Adding a device safely: the relayable direction's risk rules (where the request
// comes from leads; another network needs a second confirmation), the mail's
// "This wasn't me" link, and the platform's proximity-checked "passkey from your
// phone" path where the browser reports it. The server sits behind a reverse
// proxy on loopback with the tests' GeoIP database, so a device whose requests
// say X-Forwarded-For: 198.51.100.7 is a visitor from near London.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { behindProxyWithGeoip, expectAccessible, readQr, screenshot, world } from './harness.mjs';

const w = world({ env: behindProxyWithGeoip });
const { device, signedIn } = w;

const phoneSize = { width: 390, height: 844 };

async function openLink(page, url = `${w.server.origin}/link`) {
  await page.goto(url);
  await page.waitForSelector('[data-hydrated="true"]');
}

/// Waits for a mail to `email` whose text matches `pattern`.
async function mailMatching(email, pattern) {
  for (let i = 0; i < 100; i++) {
    const found = w.mail.to(email).find((m) => pattern.test(m.raw.replace(/=\r\n/g, '')));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no mail to ${email} matching ${pattern}`);
}

test('a request from another network leads with where it is from, and needs a second yes', async () => {
  const email = 'lamarr@example.com';
  const phone = await device(phoneSize);
  await signedIn(phone.page, email);

  // The new device is somewhere else (a phisher's machine, or the owner on another
  // network): it shows its code and number.
  const far = await device({ forwardedFor: '198.51.100.7' });
  await openLink(far.page);
  await far.page.getByRole('button', { name: 'Show a code on this device instead' }).click();
  const qr = far.page.getByTestId('link-qr');
  await qr.waitFor();
  const number = await far.page.getByTestId('link-number').textContent();

  await openLink(phone.page, readQr(await qr.screenshot()));
  const where = phone.page.getByTestId('link-where');
  await where.waitFor();
  assert.match(await where.textContent(),
    /From 198\.51\.100\.7 near London, United Kingdom: not this device's network\./);
  assert.equal(await where.getAttribute('role'), 'alert', 'a warning, not a footnote');
  assert.match(await where.textContent(), /If someone sent you this code/);
  await phone.page.getByLabel('The number shown on the new device').fill(number);
  const approve = phone.page.getByRole('button', { name: 'Approve with passkey' });
  assert.equal(await approve.isDisabled(), true, 'not without the second confirmation');
  await expectAccessible(phone.page, 'the approval screen with its warning');
  await screenshot(phone.page, 'link-approve-other-network');
  await phone.page.getByLabel('I am holding this device, and I started this myself').check();
  await approve.click();

  await far.page.getByRole('button', { name: 'Add this device' }).click();
  await far.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  await phone.page.getByTestId('link-done').waitFor({ timeout: 15000 });

  // The mail names the new device's place and where it was approved; its "This
  // wasn't me" link removes exactly that device, once, without signing in.
  const notice = await mailMatching(email, /was added to your/);
  const text = notice.raw.replace(/=\r\n/g, '');
  assert.match(text, /\(from 198\.51\.100\.7\)/);
  assert.match(text, /approved on Chrome on Linux \(from 127\.0\.0\.1\)/);
  const undoUrl = text.match(/http:\/\/localhost:\d+\/auth\/undo#[A-Za-z0-9_-]{22}/)?.[0];
  assert.ok(undoUrl, 'the mail carries the undo link');

  const anywhere = await device(phoneSize);
  await anywhere.page.goto(undoUrl);
  await anywhere.page.waitForSelector('[data-hydrated="true"]');
  const named = anywhere.page.getByTestId('undo-device');
  await named.waitFor();
  assert.match(await named.textContent(), /Chrome on Linux/);
  assert.match(await named.textContent(), /from 198\.51\.100\.7/);
  assert.equal(new URL(anywhere.page.url()).hash, '', 'the token leaves the address bar');
  await expectAccessible(anywhere.page, 'the undo page');
  await screenshot(anywhere.page, 'undo');
  await anywhere.page.getByRole('button', { name: 'Remove this device' }).click();
  await anywhere.page.getByTestId('undo-done').waitFor();
  const me = await far.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(me.status(), 401, 'the added device is signed out');
  const still = await phone.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(still.status(), 200, 'nothing else changed');

  // Used once: the link opened again (in a new tab, as from the mail) does nothing.
  await anywhere.page.goto('about:blank');
  await anywhere.page.goto(undoUrl);
  const gone = anywhere.page.getByRole('alert');
  await gone.waitFor();
  assert.match(await gone.textContent(), /used already/);
});

test('a browser that reports the hybrid transport offers a passkey from the phone first', async () => {
  const email = 'hedy@example.com';
  // Ada's phone: her account's passkey lives in its authenticator.
  const phone = await device(phoneSize);
  await signedIn(phone.page, email);
  const [phonesKey] = await phone.credentials();

  // A browser without the hybrid transport (headless Chromium has no Bluetooth)
  // shows BMAuth's own ways only.
  const plain = await device();
  await openLink(plain.page);
  await plain.page.getByRole('button', { name: 'Scan a code' }).waitFor();
  assert.equal(await plain.page.getByRole('button', { name: 'Use a passkey from your phone' }).count(), 0);

  // A browser that reports it (as Chrome, Safari and Firefox do with Bluetooth),
  // with the phone reachable over the hybrid transport: a virtual 'cable'
  // authenticator holding the phone's passkey.
  const laptop = await device();
  await laptop.page.addInitScript(() => {
    const real = PublicKeyCredential.getClientCapabilities?.bind(PublicKeyCredential);
    PublicKeyCredential.getClientCapabilities = async () => ({ ...(real ? await real() : {}), hybridTransport: true });
  });
  const { authenticatorId: cable } = await laptop.cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'cable', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  await laptop.cdp.send('WebAuthn.addCredential', { authenticatorId: cable, credential: phonesKey });
  await openLink(laptop.page);
  const nearby = laptop.page.getByRole('button', { name: 'Use a passkey from your phone' });
  await nearby.waitFor();
  await expectAccessible(laptop.page, 'the new device\'s choices');
  await screenshot(laptop.page, 'link-choose-nearby');
  await nearby.click();
  const account = laptop.page.getByTestId('link-account');
  await account.waitFor({ timeout: 15000 });
  assert.equal(await account.textContent(), 'he…@example.com', 'whose passkey answered');
  await laptop.page.getByRole('button', { name: 'Add this device' }).click();
  await laptop.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });
  assert.equal(await laptop.page.getByTestId('signed-in-email').textContent(), email);
  assert.equal((await laptop.credentials()).length, 1, 'the laptop made a passkey of its own');
  await mailMatching(email, /from a phone or security key beside it/);
});
