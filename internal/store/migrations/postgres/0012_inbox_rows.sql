-- An inbox page is read from task_performers alone: each row carries what
-- the page shows of its task and workflow (the task's name, due date and
-- template task, the workflow's name), kept by the same save that keeps the
-- row's inbox flag. Joining tasks and workflows cost two index descents per
-- row of the page, two thirds of the database's work for a page.
ALTER TABLE task_performers ADD COLUMN task_name TEXT NOT NULL DEFAULT '';
ALTER TABLE task_performers ADD COLUMN workflow_name TEXT NOT NULL DEFAULT '';
ALTER TABLE task_performers ADD COLUMN due_date BIGINT;
ALTER TABLE task_performers ADD COLUMN template_task_id BIGINT NOT NULL DEFAULT 0;
UPDATE task_performers SET
  task_name = (SELECT t.name FROM tasks t WHERE t.id = task_performers.task_id),
  due_date = (SELECT t.due_date FROM tasks t WHERE t.id = task_performers.task_id),
  template_task_id = (SELECT t.template_task_id FROM tasks t WHERE t.id = task_performers.task_id),
  workflow_name = (SELECT w.name FROM workflows w WHERE w.id = task_performers.workflow_id);

-- A server of an older version, still running while the servers are
-- replaced one by one, inserts performer rows without the copies (its
-- template_task_id is the default 0, which no template task has): the
-- database fills them in. What such a server changes later (a rename) is
-- copied by the next save of the workflow by a new server.
CREATE FUNCTION task_performers_copies() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_name text
; v_due bigint
; v_tt bigint
; v_wname text
; BEGIN
  SELECT t.name, t.due_date, t.template_task_id INTO v_name, v_due, v_tt FROM tasks t WHERE t.id = NEW.task_id
  ; IF FOUND THEN
    NEW.task_name := v_name
    ; NEW.due_date := v_due
    ; NEW.template_task_id := v_tt
  ; END IF
  ; SELECT w.name INTO v_wname FROM workflows w WHERE w.id = NEW.workflow_id
  ; IF FOUND THEN
    NEW.workflow_name := v_wname
  ; END IF
  ; RETURN NEW
; END
$$;
CREATE TRIGGER task_performers_copies BEFORE INSERT ON task_performers
  FOR EACH ROW WHEN (NEW.template_task_id = 0) EXECUTE FUNCTION task_performers_copies();
