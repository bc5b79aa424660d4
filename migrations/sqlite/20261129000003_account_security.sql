-- The signed-in person's view of their account: when each session last proved the
-- person was there (a passkey assertion or a new passkey, not just a cookie), and
-- the account's security events, shown to them as "recent activity".
-- Keep in step with the other database's folder.
ALTER TABLE sessions ADD COLUMN verified_at BIGINT; -- last user-verified passkey use in this session; NULL if never

CREATE TABLE security_events (
    id            TEXT PRIMARY KEY,       -- UUID
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,          -- signed_up | signed_in | device_added | ...
    passkey_name  TEXT,                   -- the passkey concerned, as named then
    user_agent    TEXT,                   -- the browser that did it (first 256 characters), described when shown
    ip            TEXT,                   -- the address it came from
    created_at    BIGINT NOT NULL
);
CREATE INDEX security_events_by_user ON security_events (user_id, created_at);
