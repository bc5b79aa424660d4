-- no-transaction
-- Sign-ups are bound to the browser that made them, and several pending sign-ups
-- of one address may exist side by side: an address is unique among confirmed
-- accounts only. SQLite cannot drop a UNIQUE constraint, so `users` is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter), with foreign keys off.
-- Keep in step with migrations/postgres.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- Sign-ups waiting for their PIN belong to no browser yet, so they could never be
-- confirmed: they go (their owners sign up again).
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE verified_at IS NULL);
DELETE FROM credentials WHERE user_id IN (SELECT id FROM users WHERE verified_at IS NULL);
DELETE FROM email_pins;
DELETE FROM users WHERE verified_at IS NULL;

CREATE TABLE users_new (
    id          TEXT PRIMARY KEY,          -- UUID; also the WebAuthn user handle
    email       TEXT NOT NULL,             -- normalised (NFC, lower-case, IDNA)
    created_at  BIGINT NOT NULL,
    verified_at BIGINT                     -- NULL while a pending sign-up
);
INSERT INTO users_new (id, email, created_at, verified_at)
    SELECT id, email, created_at, verified_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
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

COMMIT;
PRAGMA foreign_keys = ON;
