-- Who may sign up, and who looks after the accounts: invitations (one address,
-- one use, expiring), administrators, and accounts an administrator disabled.
-- Keep in step with the other database's folder.

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,           -- UUID: what lists show and revoke takes
    token_hash  TEXT NOT NULL UNIQUE,       -- SHA-256 of the link's token; the token is never kept
    email       TEXT NOT NULL,              -- the one address it admits (normalised)
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL, -- NULL: made on the command line
    revoked_at  BIGINT,
    accepted_at BIGINT,                     -- set once, when the sign-up it admitted is confirmed
    accepted_by TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_by_email ON invitations (email);

-- The invitation a pending sign-up came with: confirming the sign-up spends it.
ALTER TABLE users ADD COLUMN invitation_id TEXT REFERENCES invitations (id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
-- Set by an administrator: no sign-in, session or token works until it is cleared.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- What administrators did, kept as long as security events.
CREATE TABLE admin_log (
    id          TEXT PRIMARY KEY,           -- UUID
    at          BIGINT NOT NULL,
    actor       TEXT,                       -- the administrator's address; NULL: the command line
    action      TEXT NOT NULL,              -- e.g. user_disabled, invitation_created
    subject     TEXT NOT NULL               -- the address acted on
);
CREATE INDEX admin_log_by_time ON admin_log (at);
