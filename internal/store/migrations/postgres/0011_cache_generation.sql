-- The cache generation: a counter moved, in the same transaction, by every
-- change to the rows servers keep in memory: users, what an API key
-- resolves to (its creation, revocation, expiry or owner; not its
-- last_used), groups and webhook subscriptions. A server confirms what it
-- keeps inside a request's own first statement, which reads the counter
-- too: the snapshot that serves the request's data says whether what was
-- kept still holds. So a key revoked through another server stops working
-- at once, a new subscription is seen by the next change, and no request
-- pays a statement for its key.
CREATE TABLE cache_generation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  gen BIGINT NOT NULL
);
INSERT INTO cache_generation (id, gen) VALUES (1, 1);

CREATE FUNCTION cache_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cache_generation SET gen = gen + 1 WHERE id = 1
  ; RETURN NULL
; END
$$;

CREATE TRIGGER users_cache_generation AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump();
CREATE TRIGGER user_groups_cache_generation AFTER INSERT OR UPDATE OR DELETE ON user_groups
  FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump();
CREATE TRIGGER group_members_cache_generation AFTER INSERT OR UPDATE OR DELETE ON group_members
  FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump();
CREATE TRIGGER webhook_subscriptions_cache_generation AFTER INSERT OR UPDATE OR DELETE ON webhook_subscriptions
  FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump();
CREATE TRIGGER api_keys_cache_generation AFTER INSERT OR DELETE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump();
-- Row level, so that the once-a-minute last_used touch moves nothing.
CREATE TRIGGER api_keys_cache_generation_update AFTER UPDATE ON api_keys
  FOR EACH ROW WHEN (OLD.hash IS DISTINCT FROM NEW.hash OR OLD.user_id IS DISTINCT FROM NEW.user_id
    OR OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
  EXECUTE FUNCTION cache_generation_bump();
