-- Forward auth: a reverse proxy asks BMAuth whether a request to a protected host
-- may through. The host gets a cookie of its own (forward_sessions), made from a
-- one-time code (forward_codes) the browser carries back from BMAuth's sign-in and
-- bound to a state cookie the host set in that browser. Both hang on the BMAuth
-- session and end with it. Keep in step with the other database's folder.

CREATE TABLE forward_codes (
    code_hash  TEXT PRIMARY KEY,            -- SHA-256 of the one-time code
    session_id TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    host       TEXT NOT NULL,               -- the protected host it is for, as configured
    state_hash TEXT NOT NULL,               -- SHA-256 of the host's state cookie in that browser
    expires_at BIGINT NOT NULL
);
CREATE INDEX forward_codes_by_expiry ON forward_codes (expires_at);

CREATE TABLE forward_sessions (
    token_hash TEXT PRIMARY KEY,            -- SHA-256 of the host's cookie
    session_id TEXT NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    host       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX forward_sessions_by_session ON forward_sessions (session_id);
