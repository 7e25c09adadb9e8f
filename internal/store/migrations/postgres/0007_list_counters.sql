-- List counts from counters the database keeps itself, so that the count of
-- a list envelope is a handful of rows instead of a scan of every matching
-- row (O(n): 1,000,000 workflows made the workflow list 50 times slower).
-- Triggers on workflows and task_performers maintain them, so every writer
-- (the store, the load tool's bulk seeding, migrate-data) keeps them right.
--
-- workflow_counts: live workflows (deleted_at IS NULL) per account and
-- status; template_id 0 is the row of every template, the others one
-- template's. task_counts: per user, kind 0 is the inbox (inbox = TRUE
-- performer rows) and kind 1 the completed tasks (is_completed = TRUE rows
-- of a live workflow); template_id 0 again every template. A count is
-- SUM(n) over the shards of a key; rows may reach 0.
--
-- Shards: one counter row per key would serialise every transaction that
-- touches it (an account's workflow count is touched by every run). A
-- transaction writes its deltas to one of 16 shards, which it holds alone
-- for its duration when it can (a transaction-level advisory lock), so two
-- concurrent writers neither wait for each other's counter rows nor
-- deadlock on them in opposite orders; with more than 16 concurrent writers
-- a shard is shared and a deadlock, if any, is retried by store.Write.
--
-- Statements are split on a semicolon at the end of a line (store.splitSQL),
-- so inside a function body the statement separator starts the next line.

-- No writer may slip between the backfill and the triggers.
LOCK TABLE workflows, task_performers IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE workflow_counts (
  account_id BIGINT NOT NULL,
  template_id BIGINT NOT NULL,
  status BIGINT NOT NULL,
  shard INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (account_id, template_id, status, shard)
);

CREATE TABLE task_counts (
  user_id BIGINT NOT NULL,
  kind INTEGER NOT NULL,
  template_id BIGINT NOT NULL,
  shard INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind, template_id, shard)
);

-- Backfill from the rows there are.
INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
SELECT account_id, 0, status, 0, COUNT(*) FROM workflows WHERE deleted_at IS NULL GROUP BY account_id, status;
INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
SELECT account_id, template_id, status, 0, COUNT(*) FROM workflows WHERE deleted_at IS NULL GROUP BY account_id, template_id, status;
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT user_id, 0, 0, 0, COUNT(*) FROM task_performers WHERE inbox = TRUE GROUP BY user_id;
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT user_id, 0, template_id, 0, COUNT(*) FROM task_performers WHERE inbox = TRUE GROUP BY user_id, template_id;
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, 0, 0, COUNT(*) FROM task_performers p JOIN workflows w ON w.id = p.workflow_id
WHERE p.is_completed = TRUE AND w.deleted_at IS NULL GROUP BY p.user_id;
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, p.template_id, 0, COUNT(*) FROM task_performers p JOIN workflows w ON w.id = p.workflow_id
WHERE p.is_completed = TRUE AND w.deleted_at IS NULL GROUP BY p.user_id, p.template_id;

-- The shard of this transaction's counter deltas (see above).
CREATE FUNCTION counter_shard() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_shard integer := NULLIF(current_setting('pneumatic.counter_shard', true), '')::integer
; v_pid integer := pg_backend_pid()
; BEGIN
  IF v_shard IS NOT NULL THEN
    RETURN v_shard
  ; END IF
  ; v_shard := v_pid % 16
  ; FOR i IN 0..15 LOOP
    IF pg_try_advisory_xact_lock(727275, (v_pid + i) % 16) THEN
      v_shard := (v_pid + i) % 16
      ; EXIT
    ; END IF
  ; END LOOP
  ; PERFORM set_config('pneumatic.counter_shard', v_shard::text, true)
  ; RETURN v_shard
; END
$$;

-- Adds sign × the completed performer rows of a workflow to their users'
-- completed counts: when the workflow starts or stops being live.
CREATE FUNCTION task_counts_of_workflow(p_workflow bigint, p_sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_counts (user_id, kind, template_id, shard, n)
  SELECT p.user_id, 1, CASE WHEN x.a = 0 THEN 0 ELSE p.template_id END, counter_shard(), p_sign * COUNT(*)
  FROM task_performers p CROSS JOIN (VALUES (0), (1)) AS x (a)
  WHERE p.workflow_id = p_workflow AND p.is_completed = TRUE GROUP BY 1, 3
  ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END
$$;

CREATE FUNCTION workflow_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_old boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL
; v_new boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL
; BEGIN
  INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
  SELECT d.a, d.t, d.s, counter_shard(), SUM(d.n) FROM (
    SELECT OLD.account_id, 0, OLD.status, -1 WHERE v_old
    UNION ALL SELECT OLD.account_id, OLD.template_id, OLD.status, -1 WHERE v_old
    UNION ALL SELECT NEW.account_id, 0, NEW.status, 1 WHERE v_new
    UNION ALL SELECT NEW.account_id, NEW.template_id, NEW.status, 1 WHERE v_new
  ) AS d (a, t, s, n) GROUP BY d.a, d.t, d.s HAVING SUM(d.n) <> 0
  ON CONFLICT (account_id, template_id, status, shard) DO UPDATE SET n = workflow_counts.n + excluded.n
  ; IF v_old AND (NOT v_new OR OLD.id <> NEW.id) THEN
    PERFORM task_counts_of_workflow(OLD.id, -1)
  ; END IF
  ; IF v_new AND (NOT v_old OR OLD.id <> NEW.id) THEN
    PERFORM task_counts_of_workflow(NEW.id, 1)
  ; END IF
  ; RETURN NULL
; END
$$;

CREATE TRIGGER workflow_counts_insert AFTER INSERT ON workflows
FOR EACH ROW WHEN (NEW.deleted_at IS NULL) EXECUTE FUNCTION workflow_counts_trigger();
CREATE TRIGGER workflow_counts_delete AFTER DELETE ON workflows
FOR EACH ROW WHEN (OLD.deleted_at IS NULL) EXECUTE FUNCTION workflow_counts_trigger();
CREATE TRIGGER workflow_counts_update AFTER UPDATE OF id, account_id, template_id, status, deleted_at ON workflows
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.account_id IS DISTINCT FROM NEW.account_id
  OR OLD.template_id IS DISTINCT FROM NEW.template_id OR OLD.status IS DISTINCT FROM NEW.status
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
EXECUTE FUNCTION workflow_counts_trigger();

CREATE FUNCTION task_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_old boolean := TG_OP <> 'INSERT'
; v_new boolean := TG_OP <> 'DELETE'
; BEGIN
  INSERT INTO task_counts (user_id, kind, template_id, shard, n)
  SELECT d.u, d.k, CASE WHEN x.a = 0 THEN 0 ELSE d.t END, counter_shard(), SUM(d.n) FROM (
    SELECT OLD.user_id, 0, OLD.template_id, -1 WHERE v_old AND OLD.inbox
    UNION ALL SELECT OLD.user_id, 1, OLD.template_id, -1 WHERE v_old AND OLD.is_completed
      AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = OLD.workflow_id AND w.deleted_at IS NULL)
    UNION ALL SELECT NEW.user_id, 0, NEW.template_id, 1 WHERE v_new AND NEW.inbox
    UNION ALL SELECT NEW.user_id, 1, NEW.template_id, 1 WHERE v_new AND NEW.is_completed
      AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = NEW.workflow_id AND w.deleted_at IS NULL)
  ) AS d (u, k, t, n) CROSS JOIN (VALUES (0), (1)) AS x (a) GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0
  ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
  ; RETURN NULL
; END
$$;

CREATE TRIGGER task_counts_insert AFTER INSERT ON task_performers
FOR EACH ROW WHEN (NEW.inbox OR NEW.is_completed) EXECUTE FUNCTION task_counts_trigger();
CREATE TRIGGER task_counts_delete AFTER DELETE ON task_performers
FOR EACH ROW WHEN (OLD.inbox OR OLD.is_completed) EXECUTE FUNCTION task_counts_trigger();
CREATE TRIGGER task_counts_update AFTER UPDATE OF user_id, template_id, workflow_id, inbox, is_completed ON task_performers
FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.template_id IS DISTINCT FROM NEW.template_id
  OR OLD.workflow_id IS DISTINCT FROM NEW.workflow_id OR OLD.inbox IS DISTINCT FROM NEW.inbox
  OR OLD.is_completed IS DISTINCT FROM NEW.is_completed)
EXECUTE FUNCTION task_counts_trigger();
