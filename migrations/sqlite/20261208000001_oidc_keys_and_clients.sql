-- The OpenID Connect provider's first tables (see docs/designs/oidc-provider.md):
-- its signing keys and the clients registered with the CLI. Keep in step with the
-- other database's folder.

-- Signing keys: made on first start, sealed with the server secret so that every
-- instance signs with the same one; a rotation adds a key and retires the old one,
-- which stays in the JWKS until every token it signed has expired.
CREATE TABLE oidc_keys (
    kid            TEXT PRIMARY KEY,      -- the key's id in the JWKS and in tokens' headers
    alg            TEXT NOT NULL,         -- ES256
    sealed_private BLOB NOT NULL,        -- PKCS#8, sealed (AES-256-GCM under the server secret)
    public_jwk     TEXT NOT NULL,         -- the public half as a JWK (JSON)
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT                 -- no longer signs; kept until expires_at
);

-- Clients added with `bmauth clients add` (those in the configuration are not stored).
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    redirect_uris             TEXT NOT NULL, -- JSON array, matched exactly
    post_logout_redirect_uris TEXT NOT NULL, -- JSON array
    secret_hash               TEXT,          -- keyed hash of the secret; NULL for a public client
    created_at                BIGINT NOT NULL
);

-- Authorization codes: single use (taken with DELETE … RETURNING), 60 seconds,
-- bound to the client, the redirect URI, the PKCE challenge and the session.
CREATE TABLE oidc_codes (
    code_hash      TEXT PRIMARY KEY,      -- SHA-256 of the code, hex
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash   TEXT NOT NULL,         -- the BMAuth session that signed in
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT,                  -- PKCE S256, base64url
    scope          TEXT NOT NULL,
    nonce          TEXT,
    auth_time      BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT                 -- exchanged: a second use revokes what it gave
);

-- Access tokens (opaque, stored as SHA-256), each naming the code and the session it
-- came from, so that a replayed code, a sign-out or a removed passkey ends them.
CREATE TABLE oidc_tokens (
    token_hash   TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    scope        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX oidc_tokens_by_code ON oidc_tokens (code_hash);

-- Consent remembered: this account let this client see what `scope` names.
CREATE TABLE oidc_grants (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
