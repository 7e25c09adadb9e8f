package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// TestWorkflowViewFollowsItsTemplate: a workflow's detail, and the answer
// of an action on it, tell whether its template is active and who owns it,
// read with the workflow; they follow the template being deactivated and
// deleted.
func TestWorkflowViewFollowsItsTemplate(t *testing.T) {
	svc, owner, wv := concSetup(t)
	ctx := context.Background()
	wfID, tplID := wv.WF.ID, wv.WF.TemplateID
	v, err := svc.Workflow(ctx, owner, wfID)
	if err != nil {
		t.Fatal(err)
	}
	owners := v.TemplateOwners
	if !v.TemplateActive || !slices.Contains(owners, owner.User.ID) {
		t.Fatalf("active template: active %v, owners %v; want true and the creator among them", v.TemplateActive, owners)
	}
	done, err := svc.CompleteTask(ctx, owner, wfID, engine.CompleteInput{TaskID: wv.WF.TaskByNumber(1).ID})
	if err != nil {
		t.Fatal(err)
	}
	if !done.TemplateActive || !slices.Equal(done.TemplateOwners, owners) {
		t.Fatalf("completion's answer: active %v, owners %v; want true, %v", done.TemplateActive, done.TemplateOwners, owners)
	}
	if _, err := svc.PatchTemplate(ctx, owner, tplID, map[string]any{"is_active": false}); err != nil {
		t.Fatal(err)
	}
	if v, err = svc.Workflow(ctx, owner, wfID); err != nil {
		t.Fatal(err)
	}
	if v.TemplateActive || !slices.Equal(v.TemplateOwners, owners) {
		t.Fatalf("inactive template: active %v, owners %v; want false, %v", v.TemplateActive, v.TemplateOwners, owners)
	}
	snoozed, err := svc.PatchWorkflow(ctx, owner, wfID, nil, new(true), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if snoozed.TemplateActive || !slices.Equal(snoozed.TemplateOwners, owners) {
		t.Fatalf("action on a workflow of an inactive template: active %v, owners %v", snoozed.TemplateActive, snoozed.TemplateOwners)
	}
	if err := svc.DeleteTemplate(ctx, owner, tplID); err != nil {
		t.Fatal(err)
	}
	if v, err = svc.Workflow(ctx, owner, wfID); err != nil {
		t.Fatal(err)
	}
	if v.TemplateActive || len(v.TemplateOwners) != 0 || v.WF.ID != wfID || v.WF.Name != wv.WF.Name {
		t.Fatalf("deleted template: active %v, owners %v, workflow %d %q", v.TemplateActive, v.TemplateOwners, v.WF.ID, v.WF.Name)
	}
}
