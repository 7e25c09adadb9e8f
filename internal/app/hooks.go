package app

import (
	"context"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// recordHooks turns an operation's webhooks into delivery rows and jobs in
// the same transaction. (Filled in by the webhooks work.)
func (s *Service) recordHooks(ctx context.Context, q *store.Q, env engine.Env, wf *engine.Workflow, hooks []engine.Hook) error {
	return nil
}
