-- A device that joins an account by a link is held back for a while, and the mail
-- about it says where it was approved from. Keep in step with the other database's
-- folder.

-- How each passkey came to the account: sign_up | device_link (approved on a
-- signed-in device) | recovery (an email code) | nearby (another passkey of the
-- account, from a phone nearby). Passkeys made before this column existed count
-- as sign-up ones.
ALTER TABLE credentials ADD COLUMN added_by TEXT NOT NULL DEFAULT 'sign_up';
-- Until when the sessions this passkey opens cannot remove the account's other
-- devices (the cool-down of a device added by a link, or inherited from the
-- passkey that let it in); NULL: not held back.
ALTER TABLE credentials ADD COLUMN held_until BIGINT;

-- Where a link was approved from (the signed-in device's user agent and address),
-- kept at approval for the mail that tells of the new device.
ALTER TABLE device_links ADD COLUMN approver_user_agent TEXT;
ALTER TABLE device_links ADD COLUMN approver_ip TEXT;
-- The cool-down the new device's passkey inherits from the passkey that let it in
-- (a link approved by a nearby phone's passkey that is itself held back).
ALTER TABLE device_links ADD COLUMN inherited_hold BIGINT;
