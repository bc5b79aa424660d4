// An operator who turned off the relayable direction (link.new_device_shows_code =
// false): a new device is offered only to scan the signed-in device's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectAccessible, world } from './harness.mjs';

const w = world({ env: { BMAUTH_LINK__NEW_DEVICE_SHOWS_CODE: 'false' } });

test('with the switch off, a new device cannot show a code', async () => {
  const d = await w.device({ width: 390, height: 844 });
  await d.page.goto(`${w.server.origin}/link`);
  await d.page.waitForSelector('[data-hydrated="true"]');
  await d.page.getByRole('button', { name: 'Scan a code' }).waitFor();
  assert.equal(await d.page.getByRole('button', { name: 'Show a code on this device instead' }).count(), 0);
  await expectAccessible(d.page, 'the new device\'s choices without the code button');
  const refused = await d.page.request.post(`${w.server.origin}/auth/link/request`, {
    headers: { origin: w.server.origin }, data: {},
  });
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'link_direction_disabled');
});
