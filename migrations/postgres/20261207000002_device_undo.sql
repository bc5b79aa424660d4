-- "This wasn't me": the mail about a new device carries a one-time link that
-- removes that device's passkey (and with it its sessions) without signing in.
-- Keep in step with the other database's folder.
CREATE TABLE device_undo (
    id_hash       TEXT PRIMARY KEY,        -- SHA-256 of the 128-bit token, hex
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE, -- the device's passkey
    user_agent    TEXT,                    -- the device's browser (first 256 characters), shown on the page
    ip            TEXT,                    -- the address it joined from
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL          -- a day after the mail
);
CREATE INDEX device_undo_by_expiry ON device_undo (expires_at);
