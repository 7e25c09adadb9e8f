-- A workflow's load reads its tasks' performers: through the primary key
-- that is a descent of the index per task, to leaf pages all over a large
-- database's index. Ordered by workflow, then task, a workflow's
-- performers sit together and its tasks' lookups share a leaf page. It
-- replaces the (workflow_id, user_id) index, whose queries it serves too.
CREATE INDEX task_performers_workflow_task ON task_performers(workflow_id, task_id, user_id);
DROP INDEX task_performers_workflow;
