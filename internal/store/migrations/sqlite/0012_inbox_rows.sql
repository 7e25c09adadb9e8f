-- An inbox page is read from task_performers alone: each row carries what
-- the page shows of its task and workflow (the task's name, due date and
-- template task, the workflow's name), kept by the same save that keeps the
-- row's inbox flag. Joining tasks and workflows cost two index descents per
-- row of the page, two thirds of the database's work for a page.
ALTER TABLE task_performers ADD COLUMN task_name TEXT NOT NULL DEFAULT '';
ALTER TABLE task_performers ADD COLUMN workflow_name TEXT NOT NULL DEFAULT '';
ALTER TABLE task_performers ADD COLUMN due_date INTEGER;
ALTER TABLE task_performers ADD COLUMN template_task_id INTEGER NOT NULL DEFAULT 0;
UPDATE task_performers SET
  task_name = (SELECT t.name FROM tasks t WHERE t.id = task_performers.task_id),
  due_date = (SELECT t.due_date FROM tasks t WHERE t.id = task_performers.task_id),
  template_task_id = (SELECT t.template_task_id FROM tasks t WHERE t.id = task_performers.task_id),
  workflow_name = (SELECT w.name FROM workflows w WHERE w.id = task_performers.workflow_id);

-- A row inserted without the copies (template_task_id is the default 0,
-- which no template task has) gets them from its task and workflow, as on
-- PostgreSQL, where older servers may still run during an upgrade.
CREATE TRIGGER task_performers_copies AFTER INSERT ON task_performers WHEN NEW.template_task_id = 0 BEGIN
UPDATE task_performers SET
  task_name = COALESCE((SELECT t.name FROM tasks t WHERE t.id = NEW.task_id), task_name),
  due_date = (SELECT t.due_date FROM tasks t WHERE t.id = NEW.task_id),
  template_task_id = COALESCE((SELECT t.template_task_id FROM tasks t WHERE t.id = NEW.task_id), 0),
  workflow_name = COALESCE((SELECT w.name FROM workflows w WHERE w.id = NEW.workflow_id), workflow_name)
WHERE task_id = NEW.task_id AND user_id = NEW.user_id
; END;
