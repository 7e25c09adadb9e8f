-- Times are Unix microseconds (INTEGER) on both databases: portable, sortable,
-- and free of driver time-format differences.
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  date_created INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  phone TEXT,
  photo TEXT,
  status TEXT NOT NULL,
  is_admin BOOLEAN NOT NULL DEFAULT FALSE,
  is_account_owner BOOLEAN NOT NULL DEFAULT FALSE,
  date_joined INTEGER NOT NULL,
  invite_id TEXT,
  invite_token_hash TEXT,
  invited_by INTEGER,
  invite_date INTEGER,
  invited_from TEXT,
  password_hash TEXT
);
CREATE UNIQUE INDEX users_account_email ON users(account_id, email_lower);
CREATE INDEX users_email ON users(email_lower);
CREATE UNIQUE INDEX users_invite ON users(invite_id);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL,
  hash TEXT NOT NULL,
  date_created INTEGER NOT NULL,
  last_used INTEGER,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys(hash);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE user_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  date_created INTEGER NOT NULL
);
CREATE INDEX groups_account ON user_groups(account_id);
CREATE TABLE group_members (
  group_id INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE templates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  name_lower TEXT NOT NULL,
  is_active BOOLEAN NOT NULL,
  is_public BOOLEAN NOT NULL DEFAULT FALSE,
  is_embedded BOOLEAN NOT NULL DEFAULT FALSE,
  public_token TEXT,
  embed_token TEXT,
  doc TEXT NOT NULL,
  version_id INTEGER,
  version INTEGER NOT NULL DEFAULT 0,
  date_created INTEGER NOT NULL,
  date_updated INTEGER NOT NULL,
  updated_by INTEGER,
  deleted_at INTEGER
);
CREATE INDEX templates_account_date ON templates(account_id, date_created, id);
CREATE INDEX templates_account_name ON templates(account_id, name_lower, id);

CREATE TABLE template_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  template_id INTEGER NOT NULL REFERENCES templates(id),
  version INTEGER NOT NULL,
  doc TEXT NOT NULL,
  date_created INTEGER NOT NULL
);
CREATE UNIQUE INDEX template_versions_version ON template_versions(template_id, version);

CREATE TABLE workflows (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  template_id INTEGER NOT NULL REFERENCES templates(id),
  template_version_id INTEGER NOT NULL REFERENCES template_versions(id),
  template_name TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  kickoff_description TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,
  starter_id INTEGER,
  is_external BOOLEAN NOT NULL DEFAULT FALSE,
  is_urgent BOOLEAN NOT NULL DEFAULT FALSE,
  finalizable BOOLEAN NOT NULL DEFAULT FALSE,
  due_date INTEGER,
  snoozed_until INTEGER,
  current_task_number INTEGER NOT NULL DEFAULT 0,
  tasks_count INTEGER NOT NULL,
  date_created INTEGER NOT NULL,
  date_completed INTEGER,
  deleted_at INTEGER
);
CREATE INDEX workflows_account_date ON workflows(account_id, date_created, id);
CREATE INDEX workflows_template ON workflows(template_id, date_created, id);
CREATE INDEX workflows_starter ON workflows(starter_id, date_created, id);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  template_task_id INTEGER NOT NULL,
  number INTEGER NOT NULL,
  api_name TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  require_completion_by_all BOOLEAN NOT NULL DEFAULT FALSE,
  is_urgent BOOLEAN NOT NULL DEFAULT FALSE,
  date_started INTEGER,
  date_first_started INTEGER,
  date_completed INTEGER,
  due_date INTEGER,
  delay_seconds INTEGER,
  delay_start INTEGER,
  delay_end INTEGER,
  delay_estimated_end INTEGER
);
CREATE INDEX tasks_workflow ON tasks(workflow_id, number);

CREATE TABLE task_performers (
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  workflow_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  group_id INTEGER,
  is_completed BOOLEAN NOT NULL DEFAULT FALSE,
  date_completed INTEGER,
  -- denormalised so that a person's inbox is one index range scan
  inbox BOOLEAN NOT NULL DEFAULT FALSE,
  is_urgent BOOLEAN NOT NULL DEFAULT FALSE,
  date_started INTEGER,
  template_id INTEGER NOT NULL,
  PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_performers_inbox ON task_performers(user_id, inbox, is_urgent, date_started, task_id);
CREATE INDEX task_performers_done ON task_performers(user_id, is_completed, date_completed, task_id);
CREATE INDEX task_performers_workflow ON task_performers(workflow_id, user_id);

CREATE TABLE fields (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  workflow_id INTEGER NOT NULL REFERENCES workflows(id),
  task_id INTEGER,
  api_name TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_required BOOLEAN NOT NULL DEFAULT FALSE,
  ord INTEGER NOT NULL DEFAULT 0,
  value TEXT NOT NULL DEFAULT '',
  user_id INTEGER,
  selections TEXT
);
CREATE INDEX fields_workflow ON fields(workflow_id);

CREATE TABLE checklist_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  workflow_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL REFERENCES tasks(id),
  checklist_id INTEGER NOT NULL,
  checklist_api_name TEXT NOT NULL,
  api_name TEXT NOT NULL,
  template TEXT NOT NULL,
  value TEXT NOT NULL,
  is_selected BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX checklist_items_task ON checklist_items(task_id, id);
CREATE INDEX checklist_items_checklist ON checklist_items(checklist_id, id);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  workflow_id INTEGER NOT NULL,
  type INTEGER NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  user_id INTEGER,
  task_id INTEGER,
  task_name TEXT,
  task_number INTEGER,
  created INTEGER NOT NULL
);
CREATE INDEX events_workflow ON events(workflow_id, id);

CREATE TABLE attachments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  field_id INTEGER,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  storage_key TEXT NOT NULL,
  thumbnail_key TEXT,
  want_thumbnail BOOLEAN NOT NULL DEFAULT FALSE,
  uploaded BOOLEAN NOT NULL DEFAULT FALSE,
  thumbnail_uploaded BOOLEAN NOT NULL DEFAULT FALSE,
  upload_expires INTEGER NOT NULL,
  published BOOLEAN NOT NULL DEFAULT FALSE,
  public_token TEXT,
  created_by INTEGER,
  date_created INTEGER NOT NULL
);
CREATE INDEX attachments_field ON attachments(field_id);
CREATE INDEX attachments_orphans ON attachments(field_id, date_created);

CREATE TABLE webhook_subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  date_created INTEGER NOT NULL,
  PRIMARY KEY (account_id, event)
);

CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  url TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  date_created INTEGER NOT NULL,
  date_delivered INTEGER
);
CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account_id, id);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
  attempted_at INTEGER NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  response_body TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);

-- Durable background jobs: the row is the truth; workers claim due rows.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  run_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  locked_by TEXT,
  last_error TEXT,
  unique_key TEXT,
  date_created INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at, id);
CREATE UNIQUE INDEX jobs_unique ON jobs(unique_key);

CREATE TABLE idempotency_keys (
  account_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  idem_key TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  date_created INTEGER NOT NULL,
  PRIMARY KEY (user_id, route, idem_key)
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  user_id INTEGER,
  what TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id INTEGER,
  details TEXT NOT NULL DEFAULT '{}',
  created INTEGER NOT NULL
);
CREATE INDEX audit_log_account ON audit_log(account_id, id);
