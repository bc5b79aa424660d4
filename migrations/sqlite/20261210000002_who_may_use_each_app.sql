-- Who may sign in to an app added with `bmauth clients add --allow`: a JSON array of
-- addresses and `*@domain` entries; empty lets everyone with an account in.
-- Keep in step with the other database's folder.

ALTER TABLE oidc_clients ADD COLUMN allowed_people TEXT NOT NULL DEFAULT '[]';
