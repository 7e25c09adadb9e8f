-- task_performers_completed (0006, partial) serves the completed-task list;
-- this older index served nothing more and cost an entry rewrite on every
-- completion.
DROP INDEX IF EXISTS task_performers_done;
-- A workflow's fields are read in form order: the index gives that order,
-- so loading them needs no sort.
CREATE INDEX fields_workflow_ord ON fields(workflow_id, ord, id);
DROP INDEX IF EXISTS fields_workflow;
