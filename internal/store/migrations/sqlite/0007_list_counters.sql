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
-- SUM(n) over the shards of a key: PostgreSQL spreads concurrent writers
-- over shards, SQLite has one writer and uses shard 0. Rows may reach 0.
--
-- Statements are split on a semicolon at the end of a line (store.splitSQL),
-- so inside a trigger body the statement separator starts the next line.
CREATE TABLE workflow_counts (
  account_id INTEGER NOT NULL,
  template_id INTEGER NOT NULL,
  status INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (account_id, template_id, status, shard)
) WITHOUT ROWID;

CREATE TABLE task_counts (
  user_id INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  template_id INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind, template_id, shard)
) WITHOUT ROWID;

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

-- Workflows: the workflow counts, and the completed-task counts of the
-- workflow's performers when it starts or stops being live (a performer row
-- written before its workflow row is counted when the workflow arrives).
CREATE TRIGGER workflow_counts_insert AFTER INSERT ON workflows WHEN NEW.deleted_at IS NULL BEGIN
INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
SELECT NEW.account_id, x.t, NEW.status, 0, 1 FROM (SELECT 0 AS t UNION ALL SELECT NEW.template_id) AS x WHERE true
ON CONFLICT (account_id, template_id, status, shard) DO UPDATE SET n = workflow_counts.n + excluded.n
; INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, CASE WHEN x.a = 0 THEN 0 ELSE p.template_id END, 0, COUNT(*)
FROM task_performers p CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x
WHERE p.workflow_id = NEW.id AND p.is_completed = TRUE GROUP BY 1, 3
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;

CREATE TRIGGER workflow_counts_delete AFTER DELETE ON workflows WHEN OLD.deleted_at IS NULL BEGIN
INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
SELECT OLD.account_id, x.t, OLD.status, 0, -1 FROM (SELECT 0 AS t UNION ALL SELECT OLD.template_id) AS x WHERE true
ON CONFLICT (account_id, template_id, status, shard) DO UPDATE SET n = workflow_counts.n + excluded.n
; INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, CASE WHEN x.a = 0 THEN 0 ELSE p.template_id END, 0, -COUNT(*)
FROM task_performers p CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x
WHERE p.workflow_id = OLD.id AND p.is_completed = TRUE GROUP BY 1, 3
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;

CREATE TRIGGER workflow_counts_update AFTER UPDATE OF id, account_id, template_id, status, deleted_at ON workflows
WHEN OLD.id IS NOT NEW.id OR OLD.account_id IS NOT NEW.account_id OR OLD.template_id IS NOT NEW.template_id
  OR OLD.status IS NOT NEW.status OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) BEGIN
INSERT INTO workflow_counts (account_id, template_id, status, shard, n)
SELECT d.a, d.t, d.s, 0, SUM(d.n) FROM (
  SELECT OLD.account_id AS a, 0 AS t, OLD.status AS s, -1 AS n WHERE OLD.deleted_at IS NULL
  UNION ALL SELECT OLD.account_id, OLD.template_id, OLD.status, -1 WHERE OLD.deleted_at IS NULL
  UNION ALL SELECT NEW.account_id, 0, NEW.status, 1 WHERE NEW.deleted_at IS NULL
  UNION ALL SELECT NEW.account_id, NEW.template_id, NEW.status, 1 WHERE NEW.deleted_at IS NULL
) AS d WHERE true GROUP BY d.a, d.t, d.s HAVING SUM(d.n) <> 0
ON CONFLICT (account_id, template_id, status, shard) DO UPDATE SET n = workflow_counts.n + excluded.n
; INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, CASE WHEN x.a = 0 THEN 0 ELSE p.template_id END, 0, -COUNT(*)
FROM task_performers p CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x
WHERE p.workflow_id = OLD.id AND p.is_completed = TRUE
  AND OLD.deleted_at IS NULL AND (NEW.deleted_at IS NOT NULL OR OLD.id <> NEW.id) GROUP BY 1, 3
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT p.user_id, 1, CASE WHEN x.a = 0 THEN 0 ELSE p.template_id END, 0, COUNT(*)
FROM task_performers p CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x
WHERE p.workflow_id = NEW.id AND p.is_completed = TRUE
  AND NEW.deleted_at IS NULL AND (OLD.deleted_at IS NOT NULL OR OLD.id <> NEW.id) GROUP BY 1, 3
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;

-- Performers: the inbox and completed counts of the row's user.
CREATE TRIGGER task_counts_insert AFTER INSERT ON task_performers WHEN NEW.inbox = TRUE OR NEW.is_completed = TRUE BEGIN
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT NEW.user_id, d.k, CASE WHEN x.a = 0 THEN 0 ELSE NEW.template_id END, 0, 1 FROM (
  SELECT 0 AS k WHERE NEW.inbox = TRUE
  UNION ALL SELECT 1 WHERE NEW.is_completed = TRUE
    AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = NEW.workflow_id AND w.deleted_at IS NULL)
) AS d CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x WHERE true
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;

CREATE TRIGGER task_counts_delete AFTER DELETE ON task_performers WHEN OLD.inbox = TRUE OR OLD.is_completed = TRUE BEGIN
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT OLD.user_id, d.k, CASE WHEN x.a = 0 THEN 0 ELSE OLD.template_id END, 0, -1 FROM (
  SELECT 0 AS k WHERE OLD.inbox = TRUE
  UNION ALL SELECT 1 WHERE OLD.is_completed = TRUE
    AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = OLD.workflow_id AND w.deleted_at IS NULL)
) AS d CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x WHERE true
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;

CREATE TRIGGER task_counts_update AFTER UPDATE OF user_id, template_id, workflow_id, inbox, is_completed ON task_performers
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.template_id IS NOT NEW.template_id OR OLD.workflow_id IS NOT NEW.workflow_id
  OR OLD.inbox IS NOT NEW.inbox OR OLD.is_completed IS NOT NEW.is_completed BEGIN
INSERT INTO task_counts (user_id, kind, template_id, shard, n)
SELECT d.u, d.k, CASE WHEN x.a = 0 THEN 0 ELSE d.t END, 0, SUM(d.n) FROM (
  SELECT OLD.user_id AS u, 0 AS k, OLD.template_id AS t, -1 AS n WHERE OLD.inbox = TRUE
  UNION ALL SELECT OLD.user_id, 1, OLD.template_id, -1 WHERE OLD.is_completed = TRUE
    AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = OLD.workflow_id AND w.deleted_at IS NULL)
  UNION ALL SELECT NEW.user_id, 0, NEW.template_id, 1 WHERE NEW.inbox = TRUE
  UNION ALL SELECT NEW.user_id, 1, NEW.template_id, 1 WHERE NEW.is_completed = TRUE
    AND EXISTS (SELECT 1 FROM workflows w WHERE w.id = NEW.workflow_id AND w.deleted_at IS NULL)
) AS d CROSS JOIN (SELECT 0 AS a UNION ALL SELECT 1) AS x WHERE true GROUP BY 1, 2, 3 HAVING SUM(d.n) <> 0
ON CONFLICT (user_id, kind, template_id, shard) DO UPDATE SET n = task_counts.n + excluded.n
; END;
