package main

import "strings"

const intro = `The HTTP API of pneumatic, a self-hosted workflow server that speaks the public API of the
Pneumatic hosted service: a script written against the hosted service works here when only the base URL
and the key change.

**Authentication.** Send an API key on every request: ` + "`Authorization: Bearer pn-…`" + ` (the scheme word is
case-insensitive). A key acts as its user, with that user's role: the account owner, admins, or users.
The first key is printed when the server starts on an empty database.

**Bodies.** POST, PUT and PATCH accept JSON and form-encoded bodies (up to 1 MiB). Unknown keys and
unknown query parameters are ignored. A trailing slash on a path is ignored. Ids are integers.

**Time.** Every instant is given twice: ` + "`<name>`" + ` as ISO 8601 UTC with milliseconds and Z
(` + "`2026-12-03T15:42:02.123Z`" + `) and ` + "`<name>_tsp`" + ` in Unix seconds. Inputs take either form.

**Errors.** 400 is the validation envelope ` + "`{code, message, details: {reason, name | api_name}, errors}`" + `;
401, 403, 404, 405, 413, 429 and 500 answer ` + "`{\"detail\": \"…\"}`" + `. Another account's objects are
404, exactly like unknown ids.

**Lists.** Unbounded collections answer ` + "`{count, next, previous, results}`" + ` with limit (1..1000) and
offset; next and previous are absolute URLs or null.

**Webhooks.** Deliveries are POSTed as JSON with the Standard Webhooks headers webhook-id,
webhook-timestamp and webhook-signature; see the webhooks section below.`

var tags = [][2]string{
	{"Health", ""},
	{"Users", "Users of the account, invitations. Admins manage users; everyone may read them."},
	{"API keys", "Keys are pn- and 43 random characters; only a hash is stored, so a key is shown once."},
	{"Groups", "Named sets of users; a group can perform a task."},
	{"Audit", "An extension: who changed what."},
	{"Templates", "Numbered tasks plus a kickoff form. Admins and template owners edit them."},
	{"Workflows", "Runs of templates. Tasks run one at a time, in number order."},
	{"Tasks", "The task inbox and single tasks."},
	{"Attachments", "Files for file fields: announce, upload, publish, download."},
	{"Webhooks", "Subscriptions (admins), the signing secret and the delivery log."},
	{"Documentation", "This description and the reference page; no key needed."},
}

func build() O {
	paths := O{}
	for _, x := range operations() {
		item, ok := paths.get(x.path)
		if !ok {
			paths = append(paths, kv{x.path, O{}})
			item = O{}
		}
		paths = paths.with(x.path, append(item.(O), kv{strings.ToLower(x.method), x.build()}))
	}
	var tagList []O
	for _, t := range tags {
		tagList = append(tagList, o("name", t[0], "description", nonEmpty(t[1])))
	}
	return o(
		"openapi", "3.1.0",
		"info", o(
			"title", "Pneumatic API",
			"version", "1.0.0",
			"summary", "Templates, workflows, tasks, users, webhooks and attachments.",
			"description", intro,
		),
		"servers", []O{
			o("url", "/", "description", "This server."),
			o("url", "https://api.pneumatic.app", "description", "The hosted service this API follows."),
		},
		"security", []O{o("bearerAuth", []string{})},
		"tags", tagList,
		"paths", paths,
		"webhooks", webhooks(),
		"components", o(
			"schemas", schemas(),
			"responses", responses(),
			"securitySchemes", o("bearerAuth", o("type", "http", "scheme", "bearer",
				"description", "An API key: Authorization: Bearer pn-…")),
		),
	)
}

func responses() O {
	detail := func(d string, headers O) O {
		return o("description", d, "headers", headers,
			"content", o("application/json", o("schema", ref("Detail"))))
	}
	header := func(d string) O { return o("description", d, "schema", str()) }
	return o(
		"ValidationError", o("description", "The request is invalid; details name the field at fault.",
			"content", o("application/json", o("schema", ref("ValidationError")))),
		"Unauthorized", detail("No key, a malformed header, or an unknown, revoked or inactive user's key.",
			o("WWW-Authenticate", header("Bearer realm=\"api\""))),
		"Forbidden", detail("The caller's role may not do this.", nil),
		"NotFound", detail("Unknown path or id, or an object of another account: {\"detail\": \"Not found.\"}.", nil),
		"MethodNotAllowed", detail("The path exists, not with this method.", o("Allow", header("The methods the path has."))),
		"TooLarge", detail("The body is over the limit (1 MiB for JSON and forms; uploads: the declared size).", nil),
		"TooManyRequests", detail("Rate limited, when rate limiting is on.", o("Retry-After", header("Seconds to wait."))),
		"IdempotencyKeyReused", o("description", "The Idempotency-Key was used before with another body or path.",
			"content", o("application/json", o("schema", ref("ValidationError")))),
		"InternalError", detail("{\"detail\": \"Internal server error.\"}; the cause is logged with the request id.", nil),
	)
}

// webhooks documents what the server POSTs to subscribed URLs (OpenAPI
// 3.1's top-level webhooks object).
func webhooks() O {
	headers := []O{
		param("webhook-id", "header", str(), true, "The delivery's message id (msg_…); the same on every retry: dedupe by it."),
		param("webhook-timestamp", "header", str(), true, "Unix seconds when the attempt was signed."),
		param("webhook-signature", "header", str(), true, "v1,<base64 HMAC-SHA256 of \"<webhook-id>.<webhook-timestamp>.<body>\">, keyed with the account's secret."),
	}
	hook := func(event, payload, summary, d string) O {
		return o("post", o(
			"tags", []string{"Webhooks"},
			"summary", summary,
			"description", d+" Any 2xx answer is success; network errors, timeouts (10 s), 408, 429 and 5xx are "+
				"retried with exponential backoff for about a day; other answers fail the delivery.",
			"operationId", "webhook_"+event,
			"parameters", headers,
			"requestBody", o("required", true, "content", o("application/json", o("schema", ref(payload)))),
			"responses", o("2XX", o("description", "Received.")),
		))
	}
	return o(
		"workflow_started", hook("workflow_started", "WorkflowEventPayload", "A workflow started",
			"Sent after a workflow's first task started (or the workflow ended at once)."),
		"workflow_completed", hook("workflow_completed", "WorkflowEventPayload", "A workflow completed",
			"Sent when the last task completes (after its task_completed_v2), or the workflow is finished or ended by a condition."),
		"task_completed_v2", hook("task_completed_v2", "TaskEventPayload", "A task completed",
			"Sent when a task completes (for require_completion_by_all: when the last performer completes)."),
		"task_returned", hook("task_returned", "TaskEventPayload", "A task was returned to",
			"Sent on task-revert and return-to; the task is the one returned to."),
	)
}
