-- Lists and counts skip terminated workflows; a partial index holds only the
-- live ones, so a count or a page never visits a table row to check that.
CREATE INDEX workflows_live ON workflows(account_id, date_created, id) WHERE deleted_at IS NULL;
CREATE INDEX workflows_live_template ON workflows(template_id, date_created, id) WHERE deleted_at IS NULL;
-- A person's completed tasks, newest first.
CREATE INDEX task_performers_completed ON task_performers(user_id, date_completed, task_id) WHERE is_completed = TRUE;
