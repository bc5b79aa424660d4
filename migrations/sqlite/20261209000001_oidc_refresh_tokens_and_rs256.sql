-- An app may ask for RS256 ID tokens at registration (ES256 otherwise).
ALTER TABLE oidc_clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT 'ES256';

-- Refresh tokens (scope `offline_access`), kept in the same table as access tokens:
-- every token of one authorization (the code it came from, `code_hash`) is a family
-- that a replayed code or a reused refresh token revokes whole (RFC 9700 §4.14.2).
-- Keep in step with the other database's folder.

-- 'access' or 'refresh'.
ALTER TABLE oidc_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'access';
-- Granted with `offline_access`: lives on after the browser session it came from
-- signs out, until it expires, is revoked, or the passkey that signed in is removed.
ALTER TABLE oidc_tokens ADD COLUMN offline BOOLEAN NOT NULL DEFAULT FALSE;
-- The passkey that opened the session: removing it ends offline tokens too.
ALTER TABLE oidc_tokens ADD COLUMN credential_id TEXT REFERENCES credentials (id) ON DELETE CASCADE;
-- A refresh token is used once; a second use revokes the family.
ALTER TABLE oidc_tokens ADD COLUMN used_at BIGINT;

CREATE INDEX oidc_tokens_by_app ON oidc_tokens (user_id, client_id);
CREATE INDEX oidc_tokens_by_session ON oidc_tokens (session_hash);
