-- Web app sessions. The cookie carries a random secret; the row keeps only
-- its SHA-256 (hex), so a copy of the database does not sign anyone in.
-- csrf is the session-bound token every POST form of the web app carries.
CREATE TABLE web_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  csrf TEXT NOT NULL,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires);
