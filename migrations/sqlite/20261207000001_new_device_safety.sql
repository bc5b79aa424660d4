-- A device that joins an account by a link is held back for a while, and the mail
-- about it says where it was approved from. Keep in step with the other database's
-- folder.

-- How each passkey came to the account: sign_up | device_link (approved on a
-- signed-in device) | recovery (an email code) | hybrid (a nearby phone's passkey).
-- A device_link passkey's sessions cannot remove others for a cool-down period.
-- Passkeys made before this column existed count as sign-up ones.
ALTER TABLE credentials ADD COLUMN added_by TEXT NOT NULL DEFAULT 'sign_up';

-- Where a link was approved from (the signed-in device's user agent and address),
-- kept at approval for the mail that tells of the new device.
ALTER TABLE device_links ADD COLUMN approver_user_agent TEXT;
ALTER TABLE device_links ADD COLUMN approver_ip TEXT;
