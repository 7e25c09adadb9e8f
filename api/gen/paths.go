package main

import (
	"fmt"
	"regexp"
	"strconv"
)

// op is one operation (method + path).
type op struct {
	method, path string
	id, tag      string
	summary      string
	desc         string
	params       []O
	body         O    // request body schema; nil for none
	flat         bool // the body is flat, so form-encoded is documented beside JSON
	rawBody      O    // a non-JSON body (uploads): the whole content map
	ok           []answer
	errs         []int // 400, 403, 404, 413…: 401 (unless open), 429 and 500 are added to all
	open         bool  // no API key needed
	security     []O   // overrides open/bearer when set
	idempotent   bool  // honours the Idempotency-Key header
}

// answer is a success answer: a JSON schema, nothing (204), or raw content.
type answer struct {
	status  int
	schema  O
	desc    string
	content O // non-JSON content; overrides schema
	headers O
}

func ok(status int, schema O, d string) answer {
	return answer{status: status, schema: schema, desc: d}
}
func none(d string) answer { return answer{status: 204, desc: d} }

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func param(name, where string, schema O, required bool, d string) O {
	return o("name", name, "in", where, "required", required, "description", nonEmpty(d), "schema", schema)
}

func query(name string, schema O, d string) O { return param(name, "query", schema, false, d) }

func limit(def int) O {
	return param("limit", "query", o("type", "integer", "minimum", 1, "maximum", 1000, "default", def), false,
		"Page size, 1..1000. Out of range: 400.")
}

func offset() O {
	return param("offset", "query", o("type", "integer", "minimum", 0, "default", 0), false, "Items to skip.")
}

func paged(def int, more ...O) []O { return append([]O{limit(def), offset()}, more...) }

// pathParams documents the {name} parts of a path. Ids are positive
// integers; anything else in an id position is a 404, like an unknown id.
func pathParams(path string) []O {
	var out []O
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		var s O
		d := ""
		switch m[1] {
		case "id", "key":
			s = o("type", "integer", "minimum", 1)
		case "event":
			s = o("type", "string", "enum", append(append([]any{}, hookEvents...), "task_completed"))
			d = "An event name; task_completed is an alias of task_completed_v2."
		case "invite":
			s, d = str(), "The invite id (user.invite.id)."
		case "token":
			s, d = str(), "The upload token (the last part of file_upload_url)."
		default:
			panic("pathParams: " + m[1])
		}
		out = append(out, param(m[1], "path", s, true, d))
	}
	return out
}

// errorResponses maps statuses to the shared components/responses.
var errorResponses = map[int]string{
	400: "ValidationError", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
	413: "TooLarge", 422: "IdempotencyKeyReused", 429: "TooManyRequests", 500: "InternalError",
}

// idempotencyKey is the optional header of the operations that create or
// complete something, so that a client may retry them safely.
var idempotencyKey = param("Idempotency-Key", "header", o("type", "string", "maxLength", 255), false,
	"Any 1..255 printable ASCII characters, new for each intended action. The first success is stored for 24 h "+
		"and replayed to a retry with the same key by the same user (with Idempotent-Replayed: true) instead "+
		"of acting twice; the same key with another body or path is a 422.")

func (x op) build() O {
	params := append(pathParams(x.path), x.params...)
	if x.idempotent {
		params = append(params, idempotencyKey)
	}
	var body O
	switch {
	case x.rawBody != nil:
		body = o("required", true, "content", x.rawBody)
	case x.body != nil:
		content := o("application/json", o("schema", x.body))
		if x.flat {
			content = append(content, kv{"application/x-www-form-urlencoded", o("schema", x.body)})
		}
		body = o("required", true, "content", content)
	}
	resp := O{}
	for _, a := range x.ok {
		r := o("description", a.desc)
		switch {
		case a.content != nil:
			r = append(r, kv{"content", a.content})
		case a.schema != nil:
			r = append(r, kv{"content", o("application/json", o("schema", a.schema))})
		}
		if a.headers != nil {
			r = r.with("headers", a.headers)
		}
		if x.idempotent {
			r = r.with("headers", o("Idempotent-Replayed", o("description",
				"true when this is the stored answer to an earlier request with the same Idempotency-Key.",
				"schema", o("type", "string", "enum", []any{"true"}))))
		}
		resp = append(resp, kv{strconv.Itoa(a.status), r})
	}
	errs := append([]int{}, x.errs...)
	if x.idempotent {
		errs = append(errs, 400, 422)
	}
	if !x.open {
		errs = append(errs, 401)
	}
	if body != nil {
		errs = append(errs, 413)
	}
	errs = append(errs, 429, 500)
	seen := map[int]bool{}
	for _, st := range sortInts(errs) {
		if seen[st] {
			continue
		}
		seen[st] = true
		name, ok := errorResponses[st]
		if !ok {
			panic(fmt.Sprintf("%s %s: no shared response for %d", x.method, x.path, st))
		}
		resp = append(resp, kv{strconv.Itoa(st), o("$ref", "#/components/responses/"+name)})
	}
	out := o("tags", []string{x.tag}, "summary", x.summary, "description", nonEmpty(x.desc), "operationId", x.id)
	if len(params) > 0 {
		out = append(out, kv{"parameters", params})
	}
	if body != nil {
		out = append(out, kv{"requestBody", body})
	}
	out = append(out, kv{"responses", resp})
	switch {
	case x.security != nil:
		out = append(out, kv{"security", x.security})
	case x.open:
		out = append(out, kv{"security", []O{}})
	}
	return out
}

func sortInts(v []int) []int {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v
}

func operations() []op {
	userRef, wfRef, taskRef := ref("User"), ref("Workflow"), ref("Task")
	return []op{
		// ---- health and documentation ----
		{method: "GET", path: "/healthz", id: "health", tag: "Health", open: true,
			summary: "Is the server ready",
			desc:    "200 once the server is ready; 503 {\"detail\"} while it starts.",
			ok:      []answer{ok(200, ref("Health"), "Ready.")}},
		{method: "GET", path: "/openapi.json", id: "openapi", tag: "Documentation", open: true,
			summary: "This description",
			ok:      []answer{ok(200, ref("OpenAPI"), "The OpenAPI 3.1 description of this API.")}},
		{method: "GET", path: "/docs", id: "docs", tag: "Documentation", open: true,
			summary: "The API reference page",
			desc:    "An HTML page rendered from /openapi.json; it needs nothing from the internet.",
			ok: []answer{{status: 200, desc: "The reference page.",
				content: o("text/html", o("schema", o("type", "string")))}}},

		// ---- users ----
		{method: "GET", path: "/accounts/user", id: "getCurrentUser", tag: "Users", summary: "The caller",
			desc: "The user the API key belongs to.",
			ok:   []answer{ok(200, userRef, "The caller.")}},
		{method: "GET", path: "/accounts/users", id: "listUsers", tag: "Users", summary: "List users",
			desc: "Users of the account. Default order: last_name ascending, ties by id.",
			params: paged(20,
				query("status", str(), "Comma-separated statuses: active, invited, inactive."),
				query("type", str(), "Only users of this type (user)."),
				query("ordering", enum("first_name", "-first_name", "last_name", "-last_name", "status", "-status",
					"email", "-email", "date_joined", "-date_joined"), "Sort key; - for descending."),
				query("order", enum("asc", "desc"), "The direction of the default ordering (the seed's parameter)."),
			),
			ok:   []answer{ok(200, page("User", "A page of users."), "A page of users.")},
			errs: []int{400}},
		{method: "POST", path: "/accounts/users", id: "createUser", tag: "Users", summary: "Create a user",
			desc: "Admins. The new user is active at once; give them a key with POST /accounts/users/{id}/api-keys.",
			body: ref("UserCreate"), flat: true,
			ok: []answer{ok(201, userRef, "The new user.")}, errs: []int{400, 403}},
		{method: "GET", path: "/accounts/users/{id}", id: "getUser", tag: "Users", summary: "A user",
			ok: []answer{ok(200, userRef, "The user.")}, errs: []int{404}},
		{method: "PATCH", path: "/accounts/users/{id}", id: "updateUser", tag: "Users", summary: "Change a user",
			desc: "Admins.", body: ref("UserPatch"), flat: true,
			ok: []answer{ok(200, userRef, "The user.")}, errs: []int{400, 403, 404}},
		{method: "DELETE", path: "/accounts/users/{id}", id: "deactivateUser", tag: "Users", summary: "Deactivate a user",
			desc: "Admins. The user becomes inactive and their keys stop working; their active tasks go to the " +
				"remaining performers, or to the workflow starter. The owner cannot be deactivated (400).",
			ok: []answer{none("Deactivated.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/accounts/invites", id: "inviteUsers", tag: "Users", summary: "Invite users",
			desc: "Admins. Each invited user gets status invited and a one-time token to accept with.",
			body: ref("InviteInput"),
			ok:   []answer{ok(200, arr(ref("InvitedUser")), "The invited users, each with their token.")},
			errs: []int{400, 403}},
		{method: "POST", path: "/accounts/invites/{invite}/accept", id: "acceptInvite", tag: "Users", open: true,
			summary: "Accept an invitation",
			desc:    "No API key: the invite token is the credential. The user becomes active and gets a first key.",
			body:    ref("InviteAcceptInput"), flat: true,
			ok: []answer{ok(200, ref("InviteAccepted"), "The user and their key.")}, errs: []int{400, 403, 404}},

		// ---- API keys ----
		{method: "GET", path: "/accounts/api-keys", id: "listApiKeys", tag: "API keys", summary: "My keys",
			ok: []answer{ok(200, arr(ref("ApiKey")), "The caller's keys (no secrets).")}},
		{method: "POST", path: "/accounts/api-keys", id: "createApiKey", tag: "API keys", summary: "New key for me",
			body: ref("ApiKeyInput"), flat: true,
			ok: []answer{ok(201, ref("ApiKeyCreated"), "The new key, shown once.")}, errs: []int{400}},
		{method: "DELETE", path: "/accounts/api-keys/{key}", id: "revokeApiKey", tag: "API keys", summary: "Revoke one of my keys",
			ok: []answer{none("Revoked.")}, errs: []int{400, 404}},
		{method: "GET", path: "/accounts/users/{id}/api-keys", id: "listUserApiKeys", tag: "API keys",
			summary: "A user's keys", desc: "Admins.",
			ok: []answer{ok(200, arr(ref("ApiKey")), "The user's keys.")}, errs: []int{403, 404}},
		{method: "POST", path: "/accounts/users/{id}/api-keys", id: "createUserApiKey", tag: "API keys",
			summary: "New key for a user", desc: "Admins.", body: ref("ApiKeyInput"), flat: true,
			ok: []answer{ok(201, ref("ApiKeyCreated"), "The new key, shown once.")}, errs: []int{400, 403, 404}},
		{method: "DELETE", path: "/accounts/users/{id}/api-keys/{key}", id: "revokeUserApiKey", tag: "API keys",
			summary: "Revoke a user's key", desc: "Admins.",
			ok: []answer{none("Revoked.")}, errs: []int{400, 403, 404}},

		// ---- groups ----
		{method: "GET", path: "/accounts/groups", id: "listGroups", tag: "Groups", summary: "List groups",
			params: paged(20), ok: []answer{ok(200, page("Group", "A page of groups."), "A page of groups.")},
			errs: []int{400}},
		{method: "POST", path: "/accounts/groups", id: "createGroup", tag: "Groups", summary: "Create a group",
			desc: "Admins.", body: ref("GroupInput"),
			ok: []answer{ok(201, ref("Group"), "The new group.")}, errs: []int{400, 403}},
		{method: "GET", path: "/accounts/groups/{id}", id: "getGroup", tag: "Groups", summary: "A group",
			ok: []answer{ok(200, ref("Group"), "The group.")}, errs: []int{404}},
		{method: "PATCH", path: "/accounts/groups/{id}", id: "updateGroup", tag: "Groups", summary: "Change a group",
			desc: "Admins. Keys left out keep their value.", body: ref("GroupInput"),
			ok: []answer{ok(200, ref("Group"), "The group.")}, errs: []int{400, 403, 404}},
		{method: "PUT", path: "/accounts/groups/{id}", id: "replaceGroup", tag: "Groups", summary: "Change a group (PUT)",
			desc: "Admins. The same as PATCH.", body: ref("GroupInput"),
			ok: []answer{ok(200, ref("Group"), "The group.")}, errs: []int{400, 403, 404}},
		{method: "DELETE", path: "/accounts/groups/{id}", id: "deleteGroup", tag: "Groups", summary: "Delete a group",
			desc: "Admins.", ok: []answer{none("Deleted.")}, errs: []int{400, 403, 404}},

		// ---- audit ----
		{method: "GET", path: "/accounts/audit", id: "listAudit", tag: "Audit", summary: "The audit log",
			desc: "Admins. Newest first.", params: paged(20),
			ok:   []answer{ok(200, page("AuditEntry", "A page of audit entries."), "A page of audit entries.")},
			errs: []int{400, 403}},

		// ---- templates ----
		{method: "GET", path: "/templates", id: "listTemplates", tag: "Templates", summary: "List templates",
			desc: "Templates the caller may run: all of the account's for admins, the active ones for users.",
			params: paged(20,
				query("ordering", o("type", "string", "enum", []any{"date", "-date", "name", "-name"}, "default", "-date"), ""),
				query("is_active", boolean(), "Only active (true) or inactive (false) templates."),
			),
			ok:   []answer{ok(200, page("TemplateListItem", "A page of templates."), "A page of templates.")},
			errs: []int{400}},
		{method: "POST", path: "/templates", id: "createTemplate", tag: "Templates", summary: "Create a template",
			desc: "Admins. Every nested object gets an id and an api_name (kept when given).",
			body: ref("TemplateInput"),
			ok:   []answer{ok(200, ref("Template"), "The saved template.")}, errs: []int{400, 403}},
		{method: "GET", path: "/templates/{id}", id: "getTemplate", tag: "Templates", summary: "A template",
			desc: "Admins and template owners.",
			ok:   []answer{ok(200, ref("Template"), "The template.")}, errs: []int{403, 404}},
		{method: "PUT", path: "/templates/{id}", id: "replaceTemplate", tag: "Templates", summary: "Replace a template",
			desc: "Admins and owners. Full replacement, nested objects matched by api_name; running workflows keep their version.",
			body: ref("TemplateInput"),
			ok:   []answer{ok(200, ref("Template"), "The saved template.")}, errs: []int{400, 403, 404}},
		{method: "PATCH", path: "/templates/{id}", id: "updateTemplate", tag: "Templates", summary: "Change a template's settings",
			desc: "Admins and owners. Top-level keys only.", body: ref("TemplatePatch"), flat: true,
			ok: []answer{ok(200, ref("Template"), "The saved template.")}, errs: []int{400, 403, 404}},
		{method: "DELETE", path: "/templates/{id}", id: "deleteTemplate", tag: "Templates", summary: "Delete a template",
			desc: "Admins and owners. Running workflows go on.",
			ok:   []answer{none("Deleted.")}, errs: []int{403, 404}},
		{method: "POST", path: "/templates/{id}/run", id: "runTemplate", idempotent: true, tag: "Workflows",
			summary: "Run a workflow from a template",
			desc: "Starts a workflow; the first task starts (or waits for its delay). An inactive template " +
				"cannot be run (400). A required kickoff field left empty: 400 naming it in details.api_name. " +
				"Webhook workflow_started follows.",
			body: ref("RunInput"),
			ok:   []answer{ok(200, ref("WorkflowRun"), "The new workflow.")}, errs: []int{400, 403, 404}},

		// ---- workflows ----
		{method: "GET", path: "/workflows", id: "listWorkflows", tag: "Workflows", summary: "List workflows",
			desc: "Users see workflows they started or perform in; admins all. Newest first by default.",
			params: paged(15,
				query("status", str(), "Comma-separated: running, delayed (or snoozed), done."),
				query("template_id", integer(), ""),
				query("workflow_starter", integer(), "A user id."),
				query("current_performer", integer(), "A user id."),
				query("search", str(), "Text in the workflow's name."),
				query("ordering", enum("date", "-date", "-urgent"), "Default -date."),
			),
			ok:   []answer{ok(200, page("Workflow", "A page of workflows."), "A page of workflows.")},
			errs: []int{400}},
		{method: "GET", path: "/workflows/fields", id: "listWorkflowFields", tag: "Workflows",
			summary: "Field values of a template's workflows",
			desc:    "Users see only workflows they are a member of; admins all. Newest workflow first.",
			params: append([]O{param("template_id", "query", integer(), true, "The template.")}, paged(15,
				query("status", enum("running", "delayed", "snoozed", "done"), ""),
				query("fields", str(), "Comma-separated api_names: only those fields are listed."),
			)...),
			ok:   []answer{ok(200, page("WorkflowFields", "A page of workflows with field values."), "A page of workflows.")},
			errs: []int{400}},
		{method: "GET", path: "/workflows/{id}", id: "getWorkflow", tag: "Workflows", summary: "A workflow",
			desc: "Members and admins.", ok: []answer{ok(200, wfRef, "The workflow.")}, errs: []int{403, 404}},
		{method: "PATCH", path: "/workflows/{id}", id: "updateWorkflow", tag: "Workflows", summary: "Change a workflow",
			desc: "Admins and the starter.", body: ref("WorkflowPatch"), flat: true,
			ok: []answer{ok(200, wfRef, "The workflow.")}, errs: []int{400, 403, 404}},
		{method: "DELETE", path: "/workflows/{id}", id: "deleteWorkflow", tag: "Workflows", summary: "Delete a workflow",
			desc: "Admins. The workflow is terminated and disappears from lists; no webhooks.",
			ok:   []answer{none("Deleted.")}, errs: []int{403, 404}},
		{method: "POST", path: "/workflows/{id}/task-complete", id: "completeTask", idempotent: true, tag: "Workflows",
			summary: "Complete the current task",
			desc: "The checks, in order (each a 400): workflow delayed; workflow done; not the current task; " +
				"already completed by this user; not a performer (403 also possible); unchecked checklist items; " +
				"output values. Webhook task_completed_v2 follows, and workflow_completed after the last task.",
			body: ref("TaskCompleteInput"),
			ok:   []answer{none("Completed.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/finish", id: "finishWorkflow", tag: "Workflows", summary: "Finish a workflow early",
			desc: "Admins; only when the template is finalizable. Webhook workflow_completed follows.",
			ok:   []answer{none("Finished.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/snooze", id: "snoozeWorkflow", tag: "Workflows", summary: "Snooze a workflow",
			desc: "Admins. Delayed until the date (or a resume).", body: ref("SnoozeInput"), flat: true,
			ok: []answer{ok(200, wfRef, "The workflow.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/resume", id: "resumeWorkflow", tag: "Workflows", summary: "Resume a workflow",
			desc: "Admins.", ok: []answer{ok(200, wfRef, "The workflow.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/task-revert", id: "revertTask", tag: "Workflows",
			summary: "Go back to the previous task",
			desc: "Performers of the current task and admins. Back to the nearest earlier completed task; " +
				"webhook task_returned follows.",
			body: ref("RevertInput"), flat: true,
			ok: []answer{none("Reverted.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/return-to", id: "returnToTask", tag: "Workflows",
			summary: "Return to a completed task",
			desc: "Admins. To a completed task numbered below the current one (any completed task of a done " +
				"workflow, which reopens). Webhook task_returned follows.",
			body: ref("ReturnToInput"), flat: true,
			ok: []answer{none("Returned.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/workflows/{id}/comment", id: "commentWorkflow", tag: "Workflows", summary: "Comment",
			desc: "Members.", body: ref("CommentInput"), flat: true,
			ok: []answer{ok(200, ref("Event"), "The comment event.")}, errs: []int{400, 403, 404}},
		{method: "GET", path: "/workflows/{id}/events", id: "listWorkflowEvents", tag: "Workflows", summary: "A workflow's history",
			desc: "Members. Newest first.", params: paged(20),
			ok: []answer{ok(200, page("Event", "A page of events."), "A page of events.")}, errs: []int{400, 403, 404}},

		// ---- tasks ----
		{method: "GET", path: "/v3/tasks", id: "listTasks", tag: "Tasks", summary: "Task inbox",
			desc: "Active tasks of running workflows where the user is a performer who has not completed yet. " +
				"Default order: urgent first, then most recently started.",
			params: paged(20,
				query("assigned_to", integer(), "A user id; default the caller. Another user's id is for admins (else 400)."),
				query("is_completed", boolean(), "true: tasks the user completed."),
				query("template_id", integer(), ""),
				query("ordering", enum("date", "-date", "overdue"), ""),
			),
			ok:   []answer{ok(200, page("TaskListItem", "A page of tasks."), "A page of tasks.")},
			errs: []int{400}},
		{method: "GET", path: "/v2/tasks/{id}", id: "getTask", tag: "Tasks", summary: "A task",
			desc: "Workflow members and admins.", ok: []answer{ok(200, taskRef, "The task.")}, errs: []int{403, 404}},
		{method: "POST", path: "/v2/tasks/{id}/complete", id: "completeTaskV2", idempotent: true, tag: "Tasks", summary: "Complete a task",
			desc: "As POST /workflows/{id}/task-complete, for this task; answers the task after the completion.",
			body: ref("TaskCompleteV2Input"),
			ok:   []answer{ok(200, taskRef, "The task.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/v2/tasks/{id}/revert", id: "revertTaskV2", tag: "Tasks", summary: "Revert a task",
			desc: "As POST /workflows/{id}/task-revert; the comment is required.",
			body: ref("RevertInput"), flat: true,
			ok: []answer{none("Reverted.")}, errs: []int{400, 403, 404}},
		{method: "GET", path: "/v2/tasks/checklists/{id}", id: "getChecklist", tag: "Tasks", summary: "A checklist",
			ok: []answer{ok(200, ref("TaskChecklist"), "The checklist.")}, errs: []int{403, 404}},
		{method: "POST", path: "/v2/tasks/checklists/{id}/mark", id: "markChecklist", tag: "Tasks", summary: "Check off an item",
			desc: "Only on the active task, by its performers or admins.", body: ref("ChecklistMarkInput"), flat: true,
			ok: []answer{ok(200, ref("TaskChecklist"), "The checklist.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/v2/tasks/checklists/{id}/unmark", id: "unmarkChecklist", tag: "Tasks", summary: "Uncheck an item",
			desc: "Only on the active task, by its performers or admins.", body: ref("ChecklistMarkInput"), flat: true,
			ok: []answer{ok(200, ref("TaskChecklist"), "The checklist.")}, errs: []int{400, 403, 404}},

		// ---- attachments ----
		{method: "POST", path: "/workflows/attachments", id: "createAttachment", idempotent: true, tag: "Attachments",
			summary: "Announce an upload",
			desc:    "Returns signed upload URLs; PUT the bytes there, then give the id to a file field or publish it.",
			body:    ref("AttachmentInput"), flat: true,
			ok: []answer{ok(200, ref("AttachmentSlot"), "Where to upload.")}, errs: []int{400, 403}},
		{method: "POST", path: "/workflows/attachments/{id}/publish", id: "publishAttachment", tag: "Attachments",
			summary: "Make a file public", desc: "After the upload; the url then serves the bytes to anyone.",
			ok: []answer{ok(200, ref("Attachment"), "The published file.")}, errs: []int{400, 404}},
		{method: "PUT", path: "/files/upload/{token}", id: "uploadFile", tag: "Attachments", open: true,
			summary: "Upload the bytes",
			desc: "The file_upload_url (or thumbnail_upload_url) of POST /workflows/attachments: no API key, the " +
				"URL is the credential (single use, 15 minutes). Send exactly the declared size with the declared " +
				"Content-Type. Too many bytes: 413; too few or another type: 400; an unknown, used or expired URL: 403.",
			rawBody: o("*/*", o("schema", o("type", "string", "description", "The file's bytes."))),
			ok:      []answer{ok(200, ref("UploadResult"), "Stored.")}, errs: []int{400, 403}},
		{method: "GET", path: "/files/{id}", id: "downloadFile", tag: "Attachments",
			summary:  "Download a file",
			desc:     "Published files: anyone. Others: users of the account (401 without a key). Supports Range and conditional requests.",
			security: []O{o(), o("bearerAuth", []string{})},
			ok:       fileAnswers(), errs: []int{404}},
		{method: "GET", path: "/files/{id}/thumbnail", id: "downloadThumbnail", tag: "Attachments",
			summary:  "Download a file's thumbnail",
			desc:     "As GET /files/{id}, for the thumbnail.",
			security: []O{o(), o("bearerAuth", []string{})},
			ok:       fileAnswers(), errs: []int{404}},

		// ---- webhooks ----
		{method: "GET", path: "/webhooks/events", id: "listWebhookEvents", tag: "Webhooks", summary: "Subscriptions",
			desc: "Admins. Every event with its URL or null, in the order workflow_completed, workflow_started, " +
				"task_completed_v2, task_returned.",
			ok: []answer{ok(200, arr(ref("WebhookSubscription")), "The events.")}, errs: []int{403}},
		{method: "GET", path: "/webhooks/events/{event}", id: "getWebhookEvent", tag: "Webhooks", summary: "An event's URL",
			desc: "Admins.", ok: []answer{ok(200, ref("WebhookURL"), "The URL or null.")}, errs: []int{403, 404}},
		{method: "POST", path: "/webhooks/events/{event}/subscribe", id: "subscribeWebhook", tag: "Webhooks",
			summary: "Subscribe a URL to an event",
			desc: "Admins. One URL per event: this replaces the previous one. Loopback and private targets are " +
				"refused unless the server allows them.",
			body: ref("WebhookSubscribeInput"), flat: true,
			ok: []answer{none("Subscribed.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/webhooks/events/{event}/unsubscribe", id: "unsubscribeWebhook", tag: "Webhooks",
			summary: "Unsubscribe an event", desc: "Admins.",
			ok: []answer{none("Unsubscribed.")}, errs: []int{403, 404}},
		{method: "POST", path: "/webhooks/events/{event}/test", id: "testWebhook", tag: "Webhooks",
			summary: "Send a sample delivery",
			desc:    "Admins. A delivery about the newest workflow (or a made-up one), to url or the subscribed URL. An extension.",
			body:    ref("WebhookURLInput"), flat: true,
			ok: []answer{ok(200, ref("WebhookDelivery"), "The queued delivery.")}, errs: []int{400, 403, 404}},
		{method: "POST", path: "/webhooks/subscribe", id: "subscribeAllWebhooks", tag: "Webhooks",
			summary: "Subscribe a URL to every event",
			desc:    "Admins. url may be left out when exactly one URL is subscribed already: that one is used.",
			body:    ref("WebhookURLInput"), flat: true,
			ok: []answer{ok(200, ref("WebhookSubscribed"), "The URL.")}, errs: []int{400, 403}},
		{method: "POST", path: "/webhooks/unsubscribe", id: "unsubscribeAllWebhooks", tag: "Webhooks",
			summary: "Unsubscribe every event", desc: "Admins.",
			ok: []answer{none("Unsubscribed.")}, errs: []int{403}},
		{method: "GET", path: "/webhooks/secret", id: "getWebhookSecret", tag: "Webhooks", summary: "The signing secret",
			desc: "Admins. Deliveries are signed with it (Standard Webhooks: webhook-signature = v1,<base64 HMAC-SHA256 " +
				"of \"<webhook-id>.<webhook-timestamp>.<body>\">; the key is the base64 part after whsec_).",
			ok: []answer{ok(200, ref("WebhookSecret"), "The secret.")}, errs: []int{403}},
		{method: "POST", path: "/webhooks/secret/rotate", id: "rotateWebhookSecret", tag: "Webhooks",
			summary: "Replace the signing secret", desc: "Admins.",
			ok: []answer{ok(200, ref("WebhookSecret"), "The new secret.")}, errs: []int{403}},
		{method: "GET", path: "/webhooks/deliveries", id: "listWebhookDeliveries", tag: "Webhooks", summary: "Delivery log",
			desc: "Admins. Newest first.",
			params: paged(20,
				query("event", str(), "An event name."),
				query("status", enum(deliveryStatus...), ""),
				query("workflow_id", integer(), ""),
			),
			ok:   []answer{ok(200, page("WebhookDelivery", "A page of deliveries."), "A page of deliveries.")},
			errs: []int{400, 403}},
		{method: "GET", path: "/webhooks/deliveries/{id}", id: "getWebhookDelivery", tag: "Webhooks",
			summary: "A delivery with its attempts", desc: "Admins.",
			ok: []answer{ok(200, ref("WebhookDeliveryDetail"), "The delivery.")}, errs: []int{403, 404}},
		{method: "POST", path: "/webhooks/deliveries/{id}/redeliver", id: "redeliverWebhook", tag: "Webhooks",
			summary: "Send a delivery again", desc: "Admins. Queues the same payload again.",
			ok: []answer{ok(200, ref("WebhookDelivery"), "The delivery.")}, errs: []int{400, 403, 404}},
	}
}

func fileAnswers() []answer {
	bytes := o("*/*", o("schema", o("type", "string", "description", "The bytes, with the stored Content-Type.")))
	return []answer{
		{status: 200, desc: "The file.", content: bytes},
		{status: 206, desc: "The requested range.", content: bytes},
		{status: 304, desc: "Not modified (If-None-Match / If-Modified-Since)."},
	}
}
