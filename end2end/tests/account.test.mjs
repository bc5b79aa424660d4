// Losing a device, recovering, and cleaning up; the devices, sessions and activity
// page; in real Chromium with a virtual authenticator per device and a real SMTP
// server catching the codes and notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectAccessible, interactive, screenshot, world } from './harness.mjs';

const w = world();
const { device, signedIn } = w;

const phoneSize = { width: 390, height: 844 };

/// Waits for a mail to `email` whose text matches `pattern`.
async function mailMatching(email, pattern) {
  for (let i = 0; i < 100; i++) {
    // Quoted-printable bodies break long lines with a soft "=" at the end.
    const found = w.mail.to(email).find((m) => pattern.test(m.raw.replace(/=\r\n/g, '')));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no mail to ${email} matching ${pattern}`);
}

/// Keeps passkey autofill out of this page's sign-ins: the virtual authenticator
/// would accept its offer by itself, and these people type their email.
async function noAutofill(page) {
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
}

/// Recovery on this device, from the sign-in page: the code from the newest w.mail.
async function recover(page, email) {
  await page.goto(`${w.server.origin}/auth/login`);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await page.getByRole('link', { name: 'Lost my device' }).click();
  await page.waitForURL(/\/auth\/recover\?email=/);
  await interactive(page);
  const before = w.mail.to(email).length;
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.getByText('If an account exists for this address').waitFor();
  await page.getByLabel('6-digit code from the email').fill(await w.mail.pinFor(email, before + 1));
  await page.waitForURL(/\/auth\/account\?recovered=1/, { timeout: 15000 });
  await page.waitForSelector('[data-hydrated="true"]');
}

async function accountPage(page) {
  await page.goto(`${w.server.origin}/auth/account`);
  await page.waitForSelector('[data-hydrated="true"]');
}

test('a person who lost their device recovers, removes it, and the lost device is out', async () => {
  const email = 'hopper@example.com';
  const lost = await device();
  await signedIn(lost.page, email);
  // The device is lost: its passkey is gone from its authenticator. Whoever finds
  // it still holds its signed-in session, until it is removed.
  const [lostKey] = await lost.credentials();
  await lost.cdp.send('WebAuthn.removeCredential', {
    authenticatorId: lost.authenticatorId, credentialId: lostKey.credentialId,
  });

  const fresh = await device(phoneSize);
  await noAutofill(fresh.page);
  await recover(fresh.page, email);
  assert.equal((await fresh.credentials()).length, 1, 'this device made its own passkey');
  await mailMatching(email, /with a recovery code/);

  // "Remove the devices you no longer have": the lost one is listed, and picked.
  await fresh.page.getByRole('heading', { name: 'Remove the devices you no longer have' }).waitFor();
  const listed = fresh.page.getByTestId('lost-passkey');
  assert.equal(await listed.count(), 1);
  assert.match(await listed.textContent(), /Chrome on Linux/);
  await screenshot(fresh.page, 'recover-remove-lost');
  await listed.getByRole('checkbox').check();
  await fresh.page.getByRole('button', { name: 'Remove 1 passkey' }).click();
  await fresh.page.getByTestId('no-other-passkeys').waitFor();
  await fresh.page.getByText('Removed 1 passkey').waitFor();
  await mailMatching(email, /was removed from your/);

  // The lost device's session ended with its passkey.
  await lost.page.goto(`${w.server.origin}/`);
  await lost.page.waitForURL(/\/auth\/login/);
  const me = await lost.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(me.status(), 401);

  // The account's activity says what happened; then the new device signs in alone.
  await fresh.page.getByRole('button', { name: 'See your devices' }).click();
  const events = fresh.page.getByTestId('event');
  await events.first().waitFor();
  const kinds = await events.evaluateAll((items) => items.map((i) => i.dataset.kind));
  assert.deepEqual(kinds.slice(0, 2), ['passkey_removed', 'device_recovered']);
  assert.ok(kinds.includes('signed_up'), kinds.join());
  assert.match(await events.first().textContent(), /Chrome on Linux · 127\.0\.0\.1/, 'who did it, and from where');
  await fresh.page.getByRole('button', { name: 'Sign out' }).click();
  await fresh.page.waitForURL(/\/auth\/login/);
  await interactive(fresh.page);
  await fresh.page.getByLabel('Email').fill(email);
  await fresh.page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await fresh.page.waitForURL(`${w.server.origin}/`);
  assert.equal(await fresh.page.getByTestId('signed-in-email').textContent(), email);
});

test('the devices page renames, removes with a fresh biometric, and ends sessions', async () => {
  const email = 'lovelace@example.com';
  const laptop = await device();
  await signedIn(laptop.page, email);
  const phone = await device(phoneSize);
  await noAutofill(phone.page);
  await recover(phone.page, email);
  await phone.page.getByRole('button', { name: 'I still have them all' }).click();
  await phone.page.getByTestId('passkey').first().waitFor();

  await accountPage(laptop.page);
  const passkeys = laptop.page.getByTestId('passkey');
  await passkeys.nth(1).waitFor();
  assert.equal(await passkeys.count(), 2);
  assert.equal(await laptop.page.getByTestId('session').count(), 2);

  // A name with HTML in it is shown as the text it is.
  const mine = laptop.page.locator('[data-testid="passkey"][data-this-device="true"]');
  await mine.getByRole('button', { name: 'Rename' }).click();
  const name = '<img src=x onerror="window.pwned=1">Ada\'s <b>laptop</b>';
  await laptop.page.getByLabel('New name').fill(name);
  await laptop.page.getByRole('button', { name: 'Save' }).click();
  await laptop.page.getByText('Renamed.').waitFor();
  await mine.locator('.name', { hasText: 'laptop' }).waitFor();
  assert.equal(await mine.locator('.name').textContent(), name);
  assert.equal(await laptop.page.locator('[data-testid="passkey"] img, [data-testid="passkey"] b').count(), 0);
  assert.equal(await laptop.page.evaluate(() => window.pwned), undefined);
  await mine.getByRole('button', { name: 'Rename' }).click();
  await laptop.page.getByLabel('New name').fill('Work laptop');
  await laptop.page.getByRole('button', { name: 'Save' }).click();
  await mine.locator('.name', { hasText: 'Work laptop' }).waitFor();
  await screenshot(laptop.page, 'account');

  // The laptop signs the phone out...
  await laptop.page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await laptop.page.getByText('Ended 1 other session.').waitFor();
  await phone.page.goto(`${w.server.origin}/`);
  await phone.page.waitForURL(/\/auth\/login/);

  // ...and removes its passkey. The laptop's session began with an email code, not
  // a biometric, so the page asks for one first (the virtual authenticator gives it).
  const other = laptop.page.locator('[data-testid="passkey"][data-this-device="false"]');
  await other.getByRole('button', { name: 'Remove' }).click();
  await laptop.page.getByRole('group', { name: 'Confirm removal' }).getByRole('button', { name: 'Remove' }).click();
  await laptop.page.getByText('Removed. That passkey can no longer sign in').waitFor();
  await other.waitFor({ state: 'detached' });
  assert.equal(await passkeys.count(), 1);
  await laptop.page.getByText('Your only passkey: add another device before removing it.').waitFor();
  assert.equal(await mine.getByRole('button', { name: 'Remove' }).count(), 0);
  await mailMatching(email, /was removed from your/);

  // The phone cannot sign in with the removed passkey.
  await interactive(phone.page);
  await phone.page.getByLabel('Email').fill(email);
  await phone.page.getByRole('button', { name: 'Sign in with passkey' }).click();
  await phone.page.getByRole('link', { name: 'Lost my device' }).waitFor();
  assert.equal(phone.page.url().startsWith(`${w.server.origin}/auth/login`), true);
});

test('a device added by a link cannot remove the others for a day; the older one can', async () => {
  const email = 'noether@example.com';
  const laptop = await device();
  await signedIn(laptop.page, email);
  await laptop.page.goto(`${w.server.origin}/link`);
  await laptop.page.waitForSelector('[data-hydrated="true"]');
  await laptop.page.getByRole('button', { name: 'Show a code to scan' }).click();
  const code = await laptop.page.getByTestId('link-code').textContent();

  const tablet = await device(phoneSize);
  await tablet.page.goto(`${w.server.origin}/link`);
  await tablet.page.waitForSelector('[data-hydrated="true"]');
  await tablet.page.getByLabel(/Type the code shown on the other device/).fill(code);
  await tablet.page.getByRole('button', { name: 'Use this code' }).click();
  const number = await tablet.page.getByTestId('link-number').textContent();
  await laptop.page.getByTestId('link-request').waitFor({ timeout: 15000 });
  await laptop.page.getByLabel('The number shown on the new device').fill(number);
  await laptop.page.getByRole('button', { name: 'Approve with passkey' }).click();
  await tablet.page.getByRole('button', { name: 'Add this device' }).click();
  await tablet.page.waitForURL(`${w.server.origin}/`, { timeout: 15000 });

  // The tablet's devices page: held back, and says until when and what to do.
  await accountPage(tablet.page);
  const notice = tablet.page.getByTestId('cooldown');
  await notice.waitFor();
  assert.match(await notice.textContent(),
    /You added this device recently: remove other devices from one you already had, or wait until \d+ \w+ at \d\d:\d\d UTC/);
  const laptopsKey = tablet.page.locator('[data-testid="passkey"][data-this-device="false"]');
  assert.equal(await laptopsKey.getByRole('button').count(), 0, 'no Rename or Remove for another device');
  await laptopsKey.getByText('Change it from a device you already had.').waitFor();
  assert.equal(await tablet.page.getByRole('button', { name: 'Sign out everywhere else' }).count(), 0);
  assert.equal(await tablet.page.getByRole('button', { name: 'End session' }).count(), 0);
  await tablet.page.getByRole('button', { name: 'Sign out' }).waitFor();
  await expectAccessible(tablet.page, 'the account page of a device held back');
  await screenshot(tablet.page, 'account-cooldown');

  // The laptop, which the account had before, removes the tablet at once.
  await accountPage(laptop.page);
  assert.equal(await laptop.page.getByTestId('cooldown').count(), 0);
  const tabletsKey = laptop.page.locator('[data-testid="passkey"][data-this-device="false"]');
  await tabletsKey.getByRole('button', { name: 'Remove' }).click();
  await laptop.page.getByRole('group', { name: 'Confirm removal' }).getByRole('button', { name: 'Remove' }).click();
  await laptop.page.getByText('Removed. That passkey can no longer sign in').waitFor();
  const me = await tablet.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(me.status(), 401, 'the tablet is signed out');
});

test('a person downloads their data, then deletes their account with their passkey', async () => {
  const email = 'meitner@example.com';
  const own = await device();
  // Records what the page tells the passkey manager (the Signal API), across the
  // page change that follows a deletion.
  await own.page.addInitScript(() => {
    const real = PublicKeyCredential.signalAllAcceptedCredentials;
    PublicKeyCredential.signalAllAcceptedCredentials = (options) => {
      sessionStorage.setItem('signalled', JSON.stringify(options));
      return real ? real.call(PublicKeyCredential, options) : Promise.resolve();
    };
  });
  await signedIn(own.page, email);
  await noAutofill(own.page);
  await accountPage(own.page);

  const [download] = await Promise.all([
    own.page.waitForEvent('download'),
    own.page.getByRole('link', { name: 'Download your data' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'bmauth-account.json');
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(data.account.email, email);
  assert.equal(data.passkeys.length, 1);
  assert.equal(data.passkeys[0].id, (await own.credentials())[0].credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));

  await own.page.getByRole('button', { name: 'Delete your account…' }).click();
  await own.page.getByText('This deletes your account for good').waitFor();
  await expectAccessible(own.page, 'deleting an account');
  await own.page.getByRole('button', { name: 'Delete my account' }).click();
  await own.page.waitForURL(/\/auth\/login\?deleted=1/);
  await own.page.getByText('Your account is deleted').waitFor();
  const signalled = JSON.parse(await own.page.evaluate(() => sessionStorage.getItem('signalled')));
  assert.equal(signalled.rpId, 'localhost');
  assert.deepEqual(signalled.allAcceptedCredentialIds, [], 'none of its passkeys counts now');
  assert.equal(Buffer.from(signalled.userId, 'base64url').length, 16, 'the user handle');
  await mailMatching(email, /account was deleted/);
  const me = await own.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(me.status(), 401);

  // The address is free again.
  const again = await device();
  await signedIn(again.page, email);
});

test('a person changes their email with a code to the new address; the old one undoes it', async () => {
  const email = 'curie@example.com';
  const moved = 'marie@example.org';
  const own = await device();
  await own.page.addInitScript(() => {
    const real = PublicKeyCredential.signalCurrentUserDetails;
    PublicKeyCredential.signalCurrentUserDetails = (options) => {
      sessionStorage.setItem('details', JSON.stringify(options));
      return real ? real.call(PublicKeyCredential, options) : Promise.resolve();
    };
  });
  await signedIn(own.page, email);
  await noAutofill(own.page);
  await accountPage(own.page);

  await own.page.getByLabel('New email address').fill(moved);
  await own.page.getByRole('button', { name: 'Change email' }).click();
  const code = own.page.getByLabel('Code from the new address');
  await code.waitFor();
  await expectAccessible(own.page, 'changing the email address');
  await code.fill(await w.mail.pinFor(moved));
  await own.page.getByRole('button', { name: 'Confirm the new address' }).click();
  await own.page.getByText(`Your address is now ${moved}`).waitFor();
  const details = JSON.parse(await own.page.evaluate(() => sessionStorage.getItem('details')));
  assert.equal(details.name, moved, 'the passkey manager is told the new name');
  assert.equal(details.rpId, 'localhost');

  // The old address was told, with a link that puts it back and signs everyone out.
  const told = await mailMatching(email, /email address was changed/);
  const link = told.raw.replace(/=\r\n/g, '').match(/http:\/\/localhost:\d+\/auth\/email-undo#[A-Za-z0-9_-]{22}/)?.[0];
  assert.ok(link, 'the mail carries the undo link');
  const elsewhere = await device();
  await elsewhere.page.goto(link);
  await elsewhere.page.getByTestId('email-undo').waitFor();
  assert.match(await elsewhere.page.getByTestId('email-undo').textContent(), new RegExp(`from ${email} to ${moved}`));
  await expectAccessible(elsewhere.page, 'undoing a change of email');
  await elsewhere.page.getByRole('button', { name: 'Put my address back' }).click();
  await elsewhere.page.getByTestId('email-undo-done').waitFor();
  const me = await own.page.request.get(`${w.server.origin}/auth/me`);
  assert.equal(me.status(), 401, 'signed out everywhere');
});
