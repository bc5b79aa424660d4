-- BMAuth schema (PostgreSQL). Keep in step with migrations/sqlite: the same tables,
-- columns and meaning; only the type names differ. Times are Unix seconds.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,          -- UUID; also the WebAuthn user handle
    email       TEXT NOT NULL UNIQUE,      -- normalised (trimmed, lower-case)
    created_at  BIGINT NOT NULL,
    verified_at BIGINT                     -- NULL until the email PIN is entered
);

CREATE TABLE credentials (
    id                   TEXT PRIMARY KEY, -- credential id, base64url
    user_id              TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    passkey              TEXT NOT NULL,    -- webauthn-rs Passkey (public key, counter) as JSON
    name                 TEXT NOT NULL,
    aaguid               TEXT,
    transports           TEXT,             -- JSON array, as the browser reported
    backup_eligible      BOOLEAN NOT NULL, -- may be synced (a "synced passkey")
    backup_state         BOOLEAN NOT NULL, -- is synced now
    sign_count           BIGINT NOT NULL,
    counter_regressed_at BIGINT,           -- warning: the counter went backwards (cloned key?)
    created_at           BIGINT NOT NULL,
    last_used_at         BIGINT
);
CREATE INDEX credentials_by_user ON credentials (user_id);

-- WebAuthn ceremony state: taken once (DELETE ... RETURNING), expires in minutes.
CREATE TABLE ceremonies (
    id         TEXT PRIMARY KEY,           -- keyed hash of the challenge
    kind       TEXT NOT NULL,              -- register | login
    user_id    TEXT,                       -- NULL for a sign-in to an unknown address
    email      TEXT,                       -- the address a registration is for
    state      TEXT NOT NULL,              -- webauthn-rs state as JSON
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX ceremonies_by_expiry ON ceremonies (expires_at);

-- One live PIN per account and purpose; a new one replaces the old.
CREATE TABLE email_pins (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,           -- verify_email | recover
    code_hash     TEXT NOT NULL,           -- HMAC-SHA256 under the server secret, hex
    attempts_left BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,        -- SHA-256 of the cookie value, hex
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT REFERENCES credentials (id) ON DELETE CASCADE, -- the passkey that opened it
    user_agent    TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Mail waiting to be sent (and retried). Bodies are sealed under the server secret
-- because they carry PINs, and are wiped once sent.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    sealed_body     BYTEA NOT NULL,
    attempts        BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,       -- not worth sending after this (the PIN is dead)
    sent_at         BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- Fixed-window counters shared by every instance.
CREATE TABLE rate_limits (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
