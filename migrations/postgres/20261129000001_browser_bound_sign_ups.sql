-- Sign-ups are bound to the browser that made them, and several pending sign-ups
-- of one address may exist side by side: an address is unique among confirmed
-- accounts only. Keep in step with migrations/sqlite.

-- Sign-ups waiting for their PIN belong to no browser yet, so they could never be
-- confirmed: they go (their owners sign up again).
DELETE FROM email_pins;
DELETE FROM users WHERE verified_at IS NULL;

ALTER TABLE users DROP CONSTRAINT users_email_key;
CREATE UNIQUE INDEX users_confirmed_email ON users (email) WHERE verified_at IS NOT NULL;
CREATE INDEX users_by_email ON users (email);

-- The browser that asked for the PIN (SHA-256 of its binding cookie), and the wrong
-- tries left across resends.
ALTER TABLE email_pins ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE email_pins ADD COLUMN tries_left BIGINT NOT NULL DEFAULT 0;
CREATE INDEX email_pins_by_browser ON email_pins (browser_hash);

-- The browser that began the ceremony: only it can finish it.
DELETE FROM ceremonies;
ALTER TABLE ceremonies ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
