-- Adding a device by QR code: a link request between a new device and one already
-- signed in. Either side may begin it (the QR shows a URL with the token in its
-- fragment); the new device is bound by its browser cookie, the account's owner
-- approves with the number the new device shows and a fresh passkey assertion.
-- Keep in step with the other database's folder.
CREATE TABLE device_links (
    id_hash          TEXT PRIMARY KEY,     -- SHA-256 of the 128-bit token, hex
    code_hash        TEXT NOT NULL,        -- keyed hash of the typed fallback code
    user_id          TEXT REFERENCES users (id) ON DELETE CASCADE, -- the account: set by an offer, or at approval
    origin           TEXT NOT NULL,        -- device (approved on a signed-in one) | recovery (an email code)
    state            TEXT NOT NULL,        -- waiting | pending | approved | denied | used
    new_browser_hash TEXT,                 -- the new device's binding cookie, SHA-256
    new_user_agent   TEXT,
    new_ip           TEXT,
    number           TEXT,                 -- the 2-digit number the new device shows
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX device_links_by_code ON device_links (code_hash);
CREATE INDEX device_links_by_expiry ON device_links (expires_at);
