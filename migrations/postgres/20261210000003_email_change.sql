-- A person changing their address: the new one waits here for its code (mailed to
-- it), and for 7 days after the change the old one can undo it with the link mailed
-- to it. Keep in step with the other database's folder.

CREATE TABLE email_changes (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    new_email  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE email_undo (
    id_hash    TEXT PRIMARY KEY,            -- SHA-256 of the undo link's token
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_email  TEXT NOT NULL,               -- kept for the owner: no one may sign up with it meanwhile
    new_email  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX email_undo_by_old_email ON email_undo (old_email);
