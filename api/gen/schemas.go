package main

// The component schemas: one per JSON shape the server answers (the Go
// structs of internal/httpapi and internal/webhook) and per request body.

var (
	fieldTypes      = []any{"string", "text", "radio", "checkbox", "dropdown", "date", "url", "file", "user", "number"}
	taskStatuses    = []any{"pending", "active", "snoozed", "completed", "skipped"}
	workflowStatus  = []any{0, 1, 3}
	hookEvents      = []any{"workflow_completed", "workflow_started", "task_completed_v2", "task_returned"}
	deliveryStatus  = []any{"pending", "delivered", "failed"}
	performerTypes  = []any{"user", "group", "field", "workflow_starter"}
	dueRules        = []any{"after task started", "after task completed", "after workflow started", "after field", "before field"}
	conditionAction = []any{"start_task", "skip_task", "end_process"}
	operators       = []any{"equals", "not_equals", "contains", "not_contains", "more_than", "less_than", "exists", "not_exists"}
	eventTypes      = []any{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 17, 18}
)

const (
	workflowStatusText = "0 running, 1 done, 3 delayed (snoozed)."
	eventTypeText      = "0 run, 1 complete, 2 task started, 3 task completed, 4 task returned, 5 comment, 6 ended, " +
		"7 delayed, 9 task skipped, 10 ended by condition, 11 urgent, 12 not urgent, 13 task skipped (no performers), " +
		"16 resumed, 17 snoozed, 18 due date changed."
	fieldValueText = "The text; the selected value (radio, dropdown); the selected values joined by \", \" (checkbox); " +
		"the ISO 8601 instant (date); the user id as a string (user); the attachment URLs joined by \", \" (file); " +
		"the number as text. null when empty."
	kickoffValuesText = "Values keyed by field api_name. string/text/url: a string. radio/dropdown: one selection, " +
		"by id (number or numeric string), api_name or value text. checkbox: a list of selections, each given the " +
		"same way. date: ISO 8601 date or instant, MM/DD/YYYY, or Unix seconds. user: a user id or the e-mail of a " +
		"user of the account. file: a list of attachment ids. number: a number or numeric string. null, \"\" and [] " +
		"mean empty."
)

func schemas() O {
	s := O{}
	add := func(name string, schema O) { s = append(s, kv{name, schema}) }

	// ---- errors and small answers ----
	add("Detail", obj("The answer of 401, 403, 404, 405, 413, 429 and 500.",
		p("detail", str(), "Why the request failed, for a person.")))
	add("ErrorDetail", obj("One problem of a request. It names the request field (name) or the nested object "+
		"with an api_name (api_name) it is about; a problem with the request as a whole names neither.",
		p("reason", str(), "What is wrong, for a person."),
		opt(p("name", str(), "The request field (or query parameter) at fault.")),
		opt(p("api_name", str(), "The api_name of the nested object at fault (a field, task, condition…).")),
	))
	add("ValidationError", obj("The answer of 400: the validation envelope.",
		p("code", enum("validation_error"), ""),
		p("message", str(), "The first problem, written for a person."),
		p("details", ref("ErrorDetail"), "The first problem."),
		opt(p("errors", arr(ref("ErrorDetail")), "Every problem found, the first one first.")),
	))
	add("Health", obj("", p("status", enum("ok"), "")))

	// ---- accounts ----
	add("Invite", obj("The invitation of an invited user.",
		p("id", str(), "The invite id (used in /accounts/invites/{invite}/accept)."),
		p("by_username", str(), "Who invited, by name (e-mail when they have none)."),
		when("date_created", true, "When the invitation was made."),
		p("invited_by", null(integer()), "The id of the user who invited."),
		p("invited_from", enum("email", "api", "google", "microsoft"), "Users created through this API get api."),
	))
	user := obj("A user of the account.",
		p("id", integer(), ""),
		p("email", str(), ""),
		p("first_name", str(), ""),
		p("last_name", str(), ""),
		p("phone", null(str()), ""),
		p("photo", null(str()), "A URL, or null."),
		p("status", enum("active", "invited", "inactive"), "UserStatusEnum."),
		p("is_staff", boolean(), "Always false."),
		p("is_admin", boolean(), "True for admins and the account owner."),
		p("is_account_owner", boolean(), ""),
		p("type", enum("user"), ""),
		p("invite", null(ref("Invite")), "null unless the user was invited."),
		when("date_joined", false, ""),
	)
	add("User", user)
	add("InvitedUser", obj("An invited user with their one-time invite token.",
		props(user), p("token", str(), "The one-time invite token; give it to the invited person.")))
	add("InviteAccepted", obj("",
		p("user", ref("User"), "The user, now active."),
		p("api_key", str(), "The user's first API key (pn-…), shown once.")))
	key := obj("An API key, without its secret.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("prefix", str(), "The first characters of the key, to recognise it."),
		when("date_created", false, ""),
		when("last_used", true, "null until the key is used."),
		when("expires_at", true, "null: the key does not expire."),
	)
	add("ApiKey", key)
	add("ApiKeyCreated", obj("A new API key: the only answer that shows the key itself.",
		props(key), p("token", str(), "The key (pn-…). Only a hash is stored: it cannot be shown again.")))
	add("Group", obj("A group of users; a group can be a task performer.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("users", arr(integer()), "User ids."),
	))
	add("AuditEntry", obj("One recorded action.",
		p("id", integer(), ""),
		p("user_id", null(integer()), "Who acted (null: the system)."),
		p("action", str(), "What was done, e.g. user.create."),
		p("object_type", str(), ""),
		p("object_id", null(integer()), ""),
		p("details", o(), "Action-specific details (any JSON)."),
		when("created", false, ""),
	))

	// ---- templates ----
	add("Selection", obj("An option of a radio, checkbox or dropdown field, or a checklist item.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("value", str(), "The option's text."),
	))
	add("TemplateField", obj("A kickoff or task output field.",
		p("id", integer(), ""),
		p("api_name", str(), "Unique within the template; the key of the field's value in kickoff and output objects."),
		p("order", integer(), "Fields sort by order ascending, ties by id."),
		p("name", str(), ""),
		p("type", enum(fieldTypes...), "number is an extension."),
		p("is_required", boolean(), ""),
		p("description", str(), ""),
		p("default", str(), ""),
		p("selections", arr(ref("Selection")), "Options, for radio, checkbox and dropdown fields; [] otherwise."),
	))
	add("TemplateKickoff", obj("The kickoff form.",
		p("id", integer(), ""),
		p("description", str(), ""),
		p("fields", arr(ref("TemplateField")), ""),
	))
	add("RawPerformer", obj("Who performs a task.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("type", enum(performerTypes...), "group is an extension."),
		p("source_id", null(str()), "The user id or group id (as text), the api_name of a user field, or null for workflow_starter."),
		p("label", str(), "Read only: the user's full name, the group or field name, or \"Workflow starter\"."),
	))
	add("RawDueDate", obj("How a task's due date is computed.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("duration", str(), "\"D HH:MM:SS\" (the D part omitted when zero)."),
		p("duration_months", integer(), "Months of 30 days, added to duration."),
		p("rule", enum(dueRules...), ""),
		p("source_id", null(str()), "A task api_name (task rules), a date field api_name (field rules), null (after workflow started)."),
	))
	add("TemplateChecklist", obj("A checklist of a task.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("selections", arr(ref("Selection")), "The items. (The seed's \"selecions\" is accepted on input.)"),
	))
	add("Predicate", obj("One test of a field's value.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("field_type", enum(fieldTypes...), ""),
		p("field", str(), "The api_name of the field tested (kickoff or a lower-numbered task)."),
		p("operator", enum(operators...), "Which operators apply depends on field_type."),
		p("value", null(str()), "null for exists/not_exists; a selection's api_name for selection fields; a user id for user fields."),
	))
	add("Rule", obj("Holds when all of its predicates hold.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("predicates", arr(ref("Predicate")), ""),
	))
	add("Condition", obj("Decides whether a task starts, is skipped, or ends the workflow; holds when any of its rules holds.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("action", enum(conditionAction...), ""),
		p("order", integer(), "Conditions are evaluated in ascending order."),
		p("rules", arr(ref("Rule")), ""),
	))
	add("TemplateTask", obj("A task of a template.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("number", integer(), "Tasks run one at a time in number order (1..N)."),
		p("name", str(), "May contain {{api_name}} variables."),
		p("description", str(), ""),
		p("delay", null(str()), "\"D HH:MM:SS\" to wait before the task starts, or null."),
		p("require_completion_by_all", boolean(), ""),
		p("raw_due_date", null(ref("RawDueDate")), ""),
		p("raw_performers", arr(ref("RawPerformer")), ""),
		p("checklists", arr(ref("TemplateChecklist")), ""),
		p("fields", arr(ref("TemplateField")), "Output fields."),
		p("conditions", arr(ref("Condition")), ""),
	))
	listItem := obj("A template as listed.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		p("is_active", boolean(), "Only active templates can be run."),
		p("is_public", boolean(), ""),
		p("public_url", null(uri()), "<PUBLIC_URL>/forms/<id> when is_public, else null. Read only."),
		p("public_success_url", null(str()), "Where a public form redirects after a run."),
		p("is_embedded", boolean(), ""),
		p("embed_url", null(uri()), "<PUBLIC_URL>/forms/embed/<id> when is_embedded, else null. Read only."),
		p("finalizable", boolean(), "Workflows may be finished early (POST /workflows/{id}/finish)."),
		when("date_updated", false, ""),
		p("updated_by", null(integer()), "A user id."),
		p("template_owners", arr(integer()), "User ids."),
		p("tasks_count", integer(), ""),
		p("performers_count", integer(), "Distinct performers known at design time (users, groups, fields, starter)."),
		p("kickoff", ref("TemplateKickoff"), ""),
	)
	add("TemplateListItem", listItem)
	add("Template", obj("A template with its tasks; every nested object has an id and an api_name.",
		props(listItem), p("tasks", arr(ref("TemplateTask")), "")))

	// Template input: unknown keys are ignored, and read-only keys
	// (id, label, public_url…) may be sent back as received.
	add("SelectionInput", in("",
		p("api_name", str(), "Optional; generated when absent. On update, objects are matched by api_name."),
		must(p("value", str(), "")),
	))
	add("FieldInput", in("",
		p("api_name", str(), "Optional: 1..200 of [A-Za-z0-9_-]; generated (field-xxxxxx) when absent."),
		p("order", integer(), ""),
		must(p("name", str(), "")),
		must(p("type", enum(fieldTypes...), "")),
		p("is_required", boolean(), "Default false; a user field must be required."),
		p("description", str(), ""),
		p("default", str(), ""),
		p("selections", arr(ref("SelectionInput")), "At least one for radio, checkbox and dropdown; values unique."),
	))
	add("PerformerInput", in("",
		p("api_name", str(), ""),
		must(p("type", enum(performerTypes...), "")),
		p("source_id", o("type", []string{"string", "integer", "null"}), "A user or group id, a user field's api_name, or null for workflow_starter."),
	))
	add("DueDateInput", in("",
		p("api_name", str(), ""),
		must(p("duration", o("type", []string{"string", "number"}), "[DD ][[HH:]MM:]SS, ISO 8601 (P1DT2H), or seconds.")),
		p("duration_months", integer(), "Default 0."),
		must(p("rule", str(), "One of the rules, with spaces or underscores.")),
		p("source_id", null(str()), ""),
	))
	add("ChecklistInput", in("",
		p("api_name", str(), ""),
		p("selections", arr(ref("SelectionInput")), "The items."),
		p("selecions", arr(ref("SelectionInput")), "The seed's spelling, accepted as an alias of selections."),
	))
	add("PredicateInput", in("",
		p("api_name", str(), ""),
		must(p("field_type", enum(fieldTypes...), "")),
		must(p("field", str(), "A field api_name.")),
		must(p("operator", enum(operators...), "")),
		p("value", o("type", []string{"string", "integer", "null"}), "Not for exists/not_exists. A selection's id, api_name or value for selection fields."),
	))
	add("RuleInput", in("", p("api_name", str(), ""), must(p("predicates", arr(ref("PredicateInput")), ""))))
	add("ConditionInput", in("",
		p("api_name", str(), ""),
		must(p("action", enum(conditionAction...), "")),
		p("order", integer(), ""),
		must(p("rules", arr(ref("RuleInput")), "")),
	))
	add("TaskInput", in("",
		p("api_name", str(), ""),
		must(p("number", integer(), "")),
		p("name", str(), "Required for an active template."),
		p("description", str(), ""),
		p("require_completion_by_all", boolean(), ""),
		p("delay", o("type", []string{"string", "number", "null"}), "[DD ][[HH:]MM:]SS (\"1 00:00:00\" a day, \"01:30:00\", \"90\"), ISO 8601, seconds, or null."),
		p("raw_due_date", null(ref("DueDateInput")), ""),
		p("raw_performers", arr(ref("PerformerInput")), "At least one for an active template."),
		p("checklists", arr(ref("ChecklistInput")), ""),
		p("fields", arr(ref("FieldInput")), ""),
		p("conditions", arr(ref("ConditionInput")), ""),
	))
	add("TemplateInput", in("A whole template (POST, PUT). Nested objects are matched by api_name on PUT; one left out is deleted.",
		p("name", str(), "Required when is_active."),
		p("description", str(), ""),
		p("template_owners", arr(integer()), "User ids; default [caller]."),
		p("is_active", boolean(), "Default false. An active template must pass the activation rules (≥1 task, numbers 1..N, performers, variables, predicates)."),
		p("is_public", boolean(), "Default false."),
		p("public_success_url", null(str()), ""),
		p("is_embedded", boolean(), "Default false."),
		p("finalizable", boolean(), "Default false."),
		p("kickoff", null(in("", p("description", str(), ""), p("fields", arr(ref("FieldInput")), ""))), ""),
		p("tasks", arr(ref("TaskInput")), ""),
	))
	add("TemplatePatch", in("Top-level keys only.",
		p("name", str(), ""),
		p("description", str(), ""),
		p("is_active", boolean(), ""),
		p("is_public", boolean(), ""),
		p("is_embedded", boolean(), ""),
		p("public_success_url", null(str()), ""),
		p("finalizable", boolean(), ""),
		p("template_owners", arr(integer()), ""),
	))
	add("RunInput", in("id and tasks in the body are ignored.",
		p("name", null(str()), "Default \"<template name> — <YYYY-MM-DD HH:MM>\"; {{api_name}} variables are replaced; cut to 120 characters."),
		p("kickoff", null(o("type", "object", "additionalProperties", true)), kickoffValuesText),
		p("is_urgent", boolean(), ""),
		p("due_date", null(str()), "An instant (ISO 8601)."),
		p("due_date_tsp", null(number()), "The due date in Unix seconds."),
	))

	// ---- workflows ----
	add("FieldSelection", obj("An option of a selection field, and whether it is chosen.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("value", str(), ""),
		p("is_selected", boolean(), ""),
	))
	add("FieldAttachment", obj("A file of a file field.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("url", uri(), "Serves the bytes: to anyone once published, else to users of the account."),
	))
	add("FieldValue", obj("A field with its value (kickoff output, task output, /workflows/fields, webhooks).",
		p("id", integer(), ""),
		p("task_id", null(integer()), "The task the field belongs to, or null for a kickoff field."),
		p("kickoff_id", null(integer()), "The kickoff (its id is the workflow's) for a kickoff field, else null."),
		p("type", enum(fieldTypes...), ""),
		p("api_name", str(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		p("is_required", boolean(), ""),
		p("order", integer(), ""),
		p("value", null(str()), fieldValueText),
		p("user_id", null(integer()), "For user fields: the user chosen."),
		p("selections", arr(ref("FieldSelection")), ""),
		p("attachments", arr(ref("FieldAttachment")), ""),
	))
	add("Delay", obj("A task's wait before it starts.",
		p("id", integer(), "The task id."),
		p("duration", str(), "\"D HH:MM:SS\"."),
		when("start_date", true, ""),
		when("end_date", true, "When the wait ended (null while waiting)."),
		when("estimated_end_date", true, ""),
	))
	add("CurrentTask", obj("The active or snoozed task; when the workflow is done, the last completed task.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("number", integer(), ""),
		p("description", str(), ""),
		when("date_started", true, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("performers", arr(integer()), "User ids."),
		p("checklists_total", integer(), ""),
		p("checklists_marked", integer(), ""),
		p("delay", null(ref("Delay")), ""),
	))
	add("WorkflowTask", obj("A task of a workflow, as listed in the workflow.",
		p("id", integer(), ""),
		p("number", integer(), ""),
		p("name", str(), ""),
		p("api_name", str(), ""),
		p("status", enum(taskStatuses...), ""),
		when("date_started", true, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("performers", arr(integer()), "User ids."),
	))
	add("TaskRef", obj("", p("id", integer(), ""), p("name", str(), ""), p("number", integer(), "")))
	add("WorkflowTemplate", obj("The template a workflow was run from.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("is_active", boolean(), ""),
		p("template_owners", arr(integer()), ""),
	))
	add("WorkflowKickoff", obj("The kickoff form with its values.",
		p("id", integer(), "The workflow id."),
		p("description", str(), ""),
		p("output", arr(ref("FieldValue")), ""),
	))
	wf := obj("A workflow: a run of a template.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		p("status", enum(workflowStatus...), workflowStatusText),
		p("template", ref("WorkflowTemplate"), ""),
		p("current_task", null(ref("CurrentTask")), ""),
		p("tasks_count", integer(), ""),
		p("workflow_starter", null(integer()), "A user id; null for a run from a public form."),
		p("finalizable", boolean(), ""),
		p("is_external", boolean(), "Started from a public form."),
		p("is_urgent", boolean(), ""),
		p("kickoff", ref("WorkflowKickoff"), ""),
		p("passed_tasks", arr(ref("TaskRef")), "Completed tasks."),
		when("date_created", false, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("tasks", arr(ref("WorkflowTask")), ""),
	)
	add("Workflow", wf)
	add("WorkflowRun", obj("The new workflow; workflow_id repeats its id (the seed's answer).",
		props(wf), p("workflow_id", integer(), "")))
	add("WorkflowFields", obj("A workflow with its field values.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("status", enum(workflowStatus...), workflowStatusText),
		when("date_created", false, ""),
		when("date_completed", true, ""),
		p("fields", arr(ref("FieldValue")), ""),
	))
	add("Event", obj("An entry of a workflow's history.",
		p("id", integer(), ""),
		p("type", enum(eventTypes...), eventTypeText),
		p("text", str(), ""),
		p("user_id", null(integer()), ""),
		p("task", null(ref("TaskRef")), ""),
		p("workflow_id", integer(), ""),
		when("created", false, ""),
	))
	add("WorkflowPatch", in("",
		p("name", str(), ""),
		p("is_urgent", boolean(), "Copied to the workflow's tasks."),
		p("due_date", null(str()), "An instant; null clears it."),
		p("due_date_tsp", null(number()), ""),
	))
	add("TaskCompleteInput", in("",
		must(p("task_id", o("type", []string{"integer", "string"}), "The current task's id.")),
		p("user_id", o("type", []string{"integer", "string"}), "Complete on behalf of this performer (admins and the owner)."),
		p("output", null(o("type", "object", "additionalProperties", true)), "Output values keyed by api_name; the same value rules as kickoff."),
	))
	add("SnoozeInput", in("Give date or date_tsp, in the future.",
		p("date", str(), "An instant (ISO 8601)."),
		p("date_tsp", number(), "Unix seconds."),
	))
	add("RevertInput", in("", p("comment", str(), "Why.")))
	add("ReturnToInput", in("Give task or task_api_name.",
		p("task", o("type", []string{"integer", "string"}), "The id of a completed task numbered below the current one."),
		p("task_api_name", str(), ""),
	))
	add("CommentInput", in("", must(p("text", str(), "Not empty."))))

	// ---- tasks ----
	add("TaskListItem", obj("A task of the inbox.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("workflow_name", str(), ""),
		p("workflow_id", integer(), ""),
		when("due_date", true, "null when the task has no due date."),
		when("date_started", true, ""),
		p("template_id", integer(), ""),
		p("template_task_id", integer(), ""),
		p("is_urgent", boolean(), ""),
		p("status", enum(taskStatuses...), ""),
	))
	add("TaskChecklist", obj("A checklist of a running task.",
		p("id", integer(), ""),
		p("api_name", str(), ""),
		p("selections", arr(ref("FieldSelection")), "The items; is_selected when checked off."),
	))
	add("TaskWorkflow", obj("",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("status", enum(workflowStatus...), workflowStatusText),
		p("template_id", integer(), ""),
		p("template_name", str(), ""),
	))
	add("Task", obj("A task of a workflow.",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		when("date_started", true, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("is_completed", boolean(), ""),
		p("is_urgent", boolean(), ""),
		p("require_completion_by_all", boolean(), ""),
		p("performers", arr(integer()), "User ids."),
		p("delay", null(ref("Delay")), ""),
		p("output", arr(ref("FieldValue")), ""),
		p("number", integer(), ""),
		p("api_name", str(), ""),
		p("status", enum(taskStatuses...), "is_completed is true for completed."),
		p("workflow", ref("TaskWorkflow"), ""),
		p("checklists_total", integer(), ""),
		p("checklists_marked", integer(), ""),
		p("checklists", arr(ref("TaskChecklist")), ""),
	))
	add("TaskCompleteV2Input", in("",
		p("user_id", o("type", []string{"integer", "string"}), "Complete on behalf of this performer (admins and the owner)."),
		p("output", null(o("type", "object", "additionalProperties", true)), "Output values keyed by api_name."),
	))
	add("ChecklistMarkInput", in("", must(p("selection_id", o("type", []string{"integer", "string"}), "The item's id."))))

	// ---- users, keys, groups input ----
	add("UserCreate", in("",
		must(p("email", str(), "Unique in the account.")),
		p("first_name", str(), ""),
		p("last_name", str(), ""),
		p("phone", str(), ""),
		p("is_admin", boolean(), ""),
	))
	add("UserPatch", in("",
		p("first_name", str(), ""),
		p("last_name", str(), ""),
		p("phone", str(), ""),
		p("is_admin", boolean(), ""),
	))
	add("InviteInput", in("",
		must(p("users", arr(in("", must(p("email", str(), "")), p("first_name", str(), ""), p("last_name", str(), ""))), "")),
	))
	add("InviteAcceptInput", in("",
		must(p("token", str(), "The one-time invite token.")),
		p("first_name", str(), ""),
		p("last_name", str(), ""),
	))
	add("ApiKeyInput", in("",
		p("name", str(), ""),
		p("expires_at", o("type", []string{"string", "number", "null"}), "When the key stops working (ISO 8601 or Unix seconds); default never."),
		p("expires_at_tsp", null(number()), ""),
	))
	add("GroupInput", in("", p("name", str(), ""), p("users", arr(integer()), "User ids.")))

	// ---- attachments ----
	add("AttachmentInput", in("",
		must(p("filename", str(), "Up to 256 characters.")),
		must(p("content_type", str(), "The media type, e.g. image/png; the upload must send the same.")),
		must(p("size", o("type", []string{"integer", "string"}, "minimum", 0, "maximum", 104857600), "Bytes; at most 104857600 (100 MB).")),
		p("thumbnail", boolean(), "Also return a thumbnail upload URL. Default false."),
	))
	add("AttachmentSlot", obj("Where to upload the bytes.",
		p("id", integer(), "The attachment id: give it to file fields, publish it."),
		p("file_upload_url", uri(), "PUT the bytes here (same Content-Type); signed, single use, valid 15 minutes."),
		p("thumbnail_upload_url", null(uri()), "null unless thumbnail was asked for."),
	))
	add("UploadResult", obj("",
		p("id", integer(), "The attachment id."),
		p("size", integer(), "Bytes stored."),
		p("thumbnail", boolean(), "Whether this was the thumbnail."),
	))
	add("Attachment", obj("A published attachment.",
		p("id", integer(), ""),
		p("name", str(), "The file name."),
		p("url", uri(), "Serves the bytes to anyone."),
		p("thumbnail_url", null(uri()), ""),
		p("size", integer(), ""),
	))

	// ---- webhooks ----
	add("WebhookSubscription", obj("",
		p("event", enum(hookEvents...), ""),
		p("url", null(uri()), "The subscribed URL, or null."),
	))
	add("WebhookURL", obj("", p("url", null(uri()), "The subscribed URL, or null.")))
	add("WebhookSubscribed", obj("", p("url", uri(), "The URL every event now goes to.")))
	add("WebhookSecret", obj("", p("secret", str(), "The account's signing secret (whsec_…).")))
	add("WebhookSubscribeInput", in("JSON or form-encoded.", must(p("url", uri(), "An absolute http or https URL."))))
	add("WebhookURLInput", in("JSON or form-encoded.", p("url", uri(), "An absolute http or https URL.")))
	add("WebhookAttempt", obj("One try of a delivery.",
		p("id", integer(), ""),
		when("attempted_at", false, ""),
		p("status_code", null(integer()), "The receiver's HTTP status; null on a network error or timeout."),
		p("latency_ms", integer(), ""),
		p("error", null(str()), ""),
		p("response_body", null(str()), "The start of the receiver's answer."),
	))
	delivery := obj("A webhook delivery: one event for one URL, tried until a 2xx or given up.",
		p("id", integer(), "Also the payload's hook.id."),
		p("event", enum(hookEvents...), ""),
		p("url", uri(), ""),
		p("webhook_id", str(), "The webhook-id header (msg_…): receivers dedupe by it."),
		p("workflow_id", null(integer()), "null for a test delivery."),
		p("status", enum(deliveryStatus...), ""),
		p("attempts", integer(), ""),
		when("next_attempt_at", true, ""),
		p("last_status_code", null(integer()), ""),
		p("last_error", null(str()), ""),
		when("date_created", false, ""),
		when("date_delivered", true, ""),
		p("payload", null(ref("WebhookPayload")), "The body sent."),
	)
	add("WebhookDelivery", delivery)
	add("WebhookDeliveryDetail", obj("A delivery with its attempts.",
		props(delivery), p("attempt_log", arr(ref("WebhookAttempt")), "")))

	// Payloads: what the server POSTs to a subscribed URL (the seed's
	// webhook event schemas).
	add("WebhookHook", obj("",
		p("id", integer(), "The delivery id."),
		p("event", enum(hookEvents...), ""),
		p("target", uri(), "The URL the delivery is sent to."),
	))
	add("WebhookPerformer", obj("", p("id", integer(), ""), p("first_name", str(), ""), p("last_name", str(), "")))
	add("WebhookCurrentTask", obj("",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		p("number", integer(), ""),
		when("date_started", true, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("performers", arr(ref("WebhookPerformer")), ""),
	))
	add("WebhookTemplate", obj("", p("id", integer(), ""), p("name", str(), "")))
	add("WebhookWorkflow", obj("The workflow of a webhook payload (W).",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("status", enum(workflowStatus...), workflowStatusText),
		when("date_created", false, ""),
		p("template", ref("WebhookTemplate"), ""),
		p("kickoff", ref("WorkflowKickoff"), ""),
		p("current_task", null(ref("WebhookCurrentTask")), "The active task; when done, the last completed one."),
	))
	add("WebhookTask", obj("The task of a webhook payload (T).",
		p("id", integer(), ""),
		p("name", str(), ""),
		p("description", str(), ""),
		p("number", integer(), ""),
		when("date_started", true, ""),
		when("date_completed", true, ""),
		when("due_date", true, ""),
		p("output", arr(ref("FieldValue")), ""),
		p("performers", arr(ref("WebhookPerformer")), ""),
		p("workflow", ref("WebhookWorkflow"), ""),
	))
	add("WorkflowEventPayload", obj("The body of workflow_started and workflow_completed.",
		p("hook", ref("WebhookHook"), ""), p("workflow", ref("WebhookWorkflow"), "")))
	add("TaskEventPayload", obj("The body of task_completed_v2 and task_returned (the task returned to).",
		p("hook", ref("WebhookHook"), ""), p("task", ref("WebhookTask"), "")))
	add("WebhookPayload", o("oneOf", []O{ref("WorkflowEventPayload"), ref("TaskEventPayload")}))

	add("OpenAPI", o("type", "object", "description", "This document.", "required", []string{"openapi", "info", "paths"}))
	return s
}
