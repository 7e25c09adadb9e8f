-- Idempotency-Key: the fingerprint of the first request under a key (its
-- path and body), so that a key reused for a different request is refused
-- instead of answered with another request's answer; and an index for the
-- purge of answers older than 24 hours.
ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX idempotency_keys_created ON idempotency_keys(date_created);
