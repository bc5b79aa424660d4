// Closed sign-up and looking after people: sign-up by invitation only, an
// invitation made on the command line and used in Chromium, and the person
// listed, disabled and enabled again from the command line while they are
// signed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectAccessible, interactive, screenshot, world } from './harness.mjs';

const w = world({ env: { BMAUTH_SIGNUP: 'invite' } });
const { device } = w;

/// Keeps passkey autofill out: the virtual authenticator would accept it by itself.
async function noAutofill(page) {
  await page.route('**/auth/login/autofill/begin', (route) =>
    route.fulfill({ status: 429, json: { error: { code: 'rate_limited', message: 'not now' } } }));
}

async function signInWithPasskey(page, email) {
  await page.goto(`${w.server.origin}/auth/login`);
  await interactive(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in with passkey' }).click();
}

test('sign-up by invitation: the page says so, the invited person signs up with the link, the operator manages them', async () => {
  await w.ready;
  const email = 'grace@example.com';

  // Without an invitation the page says how it is, and offers no form to fail.
  const stranger = await device();
  await stranger.page.goto(`${w.server.origin}/auth/register`);
  await stranger.page.getByText('Sign-up here is by invitation.').waitFor();
  assert.equal(await stranger.page.getByRole('button', { name: 'Create account with passkey' }).count(), 0);
  await expectAccessible(stranger.page, 'the sign-up page, by invitation');
  await screenshot(stranger.page, 'sign-up-by-invitation');

  // The operator invites Grace; the link is all she needs.
  const link = (await w.server.cli(['invites', 'create', email])).trim();
  assert.match(link, new RegExp(`^${w.server.origin}/auth/register\\?invitation=`));
  const grace = await device();
  await noAutofill(grace.page);
  await grace.page.goto(link);
  await interactive(grace.page);
  assert.equal(await grace.page.getByLabel('Email').inputValue(), email, 'the address comes filled in');
  await expectAccessible(grace.page, 'the sign-up page with an invitation');
  await grace.page.getByRole('button', { name: 'Create account with passkey' }).click();
  await grace.page.waitForURL(/\/auth\/verify/);
  await interactive(grace.page);
  await grace.page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));
  await grace.page.waitForURL(`${w.server.origin}/`);
  assert.equal(await grace.page.getByTestId('signed-in-email').textContent(), email);

  // Used once: the same link on another device is refused, in words.
  const again = await device();
  await again.page.goto(link);
  await interactive(again.page);
  await again.page.getByRole('button', { name: 'Create account with passkey' }).click();
  await again.page.getByText(/sign-up here is by invitation/).waitFor();

  const people = JSON.parse(await w.server.cli(['users', 'list', '--json']));
  assert.deepEqual(people.map((p) => [p.email, p.state, p.passkeys]), [[email, 'active', 1]]);
  const invitations = JSON.parse(await w.server.cli(['invites', 'list', '--json']));
  assert.deepEqual(invitations.map((i) => [i.email, i.state]), [[email, 'accepted']]);

  // Disabled from the command line: her open session ends at once, and her
  // passkey is told why it opens nothing.
  await w.server.cli(['users', 'disable', email]);
  await grace.page.goto(`${w.server.origin}/auth/account`);
  await grace.page.waitForURL(/\/auth\/login/);
  await signInWithPasskey(grace.page, email);
  await grace.page.getByText('this account is disabled').waitFor();
  const shown = JSON.parse(await w.server.cli(['users', 'show', email, '--json']));
  assert.equal(shown.state, 'disabled');
  assert.equal(shown.live_sessions, 0);

  // Enabled again: the passkey signs her in.
  await w.server.cli(['users', 'enable', email]);
  await signInWithPasskey(grace.page, email);
  await grace.page.waitForURL(`${w.server.origin}/`);

  // She is no administrator: the admin page shows her no one.
  await grace.page.goto(`${w.server.origin}/auth/admin`);
  await grace.page.getByText('Only administrators can see this page').waitFor();
  assert.equal(await grace.page.getByTestId('person').count(), 0);

  // Unknown addresses and bad arguments: a clear error and a failing exit.
  await assert.rejects(w.server.cli(['users', 'disable', 'nobody@example.com']), /no account has this email address/);
  await assert.rejects(w.server.cli(['invites', 'create', 'not an address']), /not a valid email address/);
  await assert.rejects(w.server.cli(['users', 'delete', email]), /--yes/);
});

/// Signs up with an invitation link on this device, up to the home page.
async function signUpInvited(page, link, email) {
  await page.goto(link);
  await interactive(page);
  await page.getByRole('button', { name: 'Create account with passkey' }).click();
  await page.waitForURL(/\/auth\/verify/);
  await interactive(page);
  await page.getByLabel('6-digit code').fill(await w.mail.pinFor(email));
  await page.waitForURL(`${w.server.origin}/`);
}

test('an administrator invites from the admin page and disables someone, confirming with their passkey', async () => {
  await w.ready;
  const boss = 'hedy@example.com';
  const newcomer = 'linus@example.com';
  const admin = await device();
  await noAutofill(admin.page);
  await signUpInvited(admin.page, (await w.server.cli(['invites', 'create', boss])).trim(), boss);
  assert.equal(await admin.page.getByRole('link', { name: /Administration/ }).count(), 0, 'not an administrator yet');
  await w.server.cli(['admin', 'grant', boss]);
  await admin.page.reload();
  await admin.page.getByRole('link', { name: /Administration/ }).click();
  await admin.page.waitForURL(`${w.server.origin}/auth/admin`);
  await admin.page.waitForSelector('[data-hydrated="true"]');
  await expectAccessible(admin.page, 'the administration page');

  // Inviting is a change: the page asks for the passkey (the virtual
  // authenticator answers), then shows the link once.
  await admin.page.getByLabel('Invite someone by email').fill(newcomer);
  await admin.page.getByRole('button', { name: 'Make an invitation link' }).click();
  const linkField = admin.page.getByTestId('invitation-link');
  await linkField.waitFor();
  const link = await linkField.inputValue();
  assert.match(link, /\/auth\/register\?invitation=/);
  await admin.page.getByTestId('invitation').filter({ hasText: newcomer }).getByText('pending').waitFor();
  await screenshot(admin.page, 'admin');

  const linus = await device();
  await noAutofill(linus.page);
  await signUpInvited(linus.page, link, newcomer);

  // Searching finds him; his page shows his passkey and what he did.
  await admin.page.reload();
  await admin.page.waitForSelector('[data-hydrated="true"]');
  assert.equal(await admin.page.getByTestId('person').count(), 3);
  await admin.page.getByLabel('Search by email').fill('linus');
  await admin.page.waitForFunction(() => document.querySelectorAll('[data-testid="person"]').length === 1);
  await admin.page.getByRole('link', { name: newcomer }).click();
  await admin.page.waitForURL(/\/auth\/admin\/person\?email=/);
  await admin.page.waitForSelector('[data-hydrated="true"]');
  await admin.page.getByText('Account created').waitFor();
  await expectAccessible(admin.page, 'a person on the administration page');
  await screenshot(admin.page, 'admin-person');

  // Linus lost his device: a recovery link to his address, which his new
  // laptop opens; it makes its own passkey there and offers to remove the old one.
  const before = w.mail.to(newcomer).length;
  await admin.page.getByRole('button', { name: 'Send a recovery link' }).click();
  await admin.page.getByText(`Sent ${newcomer} a recovery link`).waitFor();
  await admin.page.getByText('Recovery link sent by an administrator').waitFor();
  let mail;
  for (let i = 0; i < 100 && !mail; i++) {
    mail = w.mail.to(newcomer).slice(before).find((m) => m.raw.includes('get back into'));
    if (!mail) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(mail, 'the recovery link is mailed to him, not to the administrator');
  const recoveryLink = mail.raw.replace(/=\r\n/g, '').match(/http:\/\/localhost:\d+\/auth\/recover#[A-Za-z0-9_-]{22}/)?.[0];
  assert.ok(recoveryLink, 'the mail carries the link');
  const laptop = await device();
  await laptop.page.goto(recoveryLink);
  await laptop.page.getByTestId('recovery-link').waitFor();
  await interactive(laptop.page);
  assert.doesNotMatch(laptop.page.url(), /#/, 'the token leaves the address bar');
  await expectAccessible(laptop.page, 'a recovery link opened');
  await laptop.page.getByRole('button', { name: 'Make this device\u2019s passkey' }).click();
  await laptop.page.waitForURL(/\/auth\/account\?recovered=1/, { timeout: 15000 });
  await laptop.page.getByRole('heading', { name: 'Remove the devices you no longer have' }).waitFor();
  // The same link elsewhere opens nothing, and says why.
  const other = await device();
  await other.page.goto(recoveryLink);
  await interactive(other.page);
  await other.page.getByRole('button', { name: 'Make this device\u2019s passkey' }).click();
  await other.page.getByTestId('recovery-link').getByText('This link was used already').waitFor();

  await admin.page.getByRole('button', { name: 'Disable' }).click();
  await admin.page.getByTestId('person-state').filter({ hasText: 'Disabled' }).waitFor();
  await linus.page.goto(`${w.server.origin}/auth/account`);
  await linus.page.waitForURL(/\/auth\/login/);

  // Not on yourself: the page says why.
  await admin.page.goto(`${w.server.origin}/auth/admin/person?email=${encodeURIComponent(boss)}`);
  await admin.page.waitForSelector('[data-hydrated="true"]');
  await admin.page.getByRole('button', { name: 'Disable' }).click();
  await admin.page.getByText("you can't do this to your own account here").waitFor();

});
