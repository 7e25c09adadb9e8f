// Package webhook holds what webhooks need beside the database: event
// names, payload shapes, Standard Webhooks signing, the retry policy and an
// HTTP client that refuses private targets at connect time.
package webhook

import "github.com/pneumatic-oss/pneumatic/internal/engine"

// Events are the subscribable events, in the order the API lists them.
var Events = []string{
	engine.HookWorkflowCompleted,
	engine.HookWorkflowStarted,
	engine.HookTaskCompleted,
	engine.HookTaskReturned,
}

// Canonical maps an event name or alias (task_completed) to the stored
// name; ok is false for an unknown event.
func Canonical(name string) (string, bool) {
	if name == "task_completed" {
		return engine.HookTaskCompleted, true
	}
	for _, e := range Events {
		if e == name {
			return e, true
		}
	}
	return "", false
}

// IsTaskEvent is true for the events whose payload is a task.
func IsTaskEvent(event string) bool {
	return event == engine.HookTaskCompleted || event == engine.HookTaskReturned
}
