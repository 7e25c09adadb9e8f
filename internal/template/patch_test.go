package template

import (
	"reflect"
	"testing"
)

func TestApplyPatch(t *testing.T) {
	base := func() *Template {
		url := "https://example.com/done"
		return &Template{ID: 7, Name: "Old", Description: "old text", PublicSuccessURL: &url, Owners: []int64{1},
			Tasks: []Task{{Number: 1, APIName: "keep"}}}
	}
	tpl := base()
	err := ApplyPatch(tpl, decodeBody(t, `{"name": "Patched", "description": null, "is_active": true, "is_public": "true",
		"is_embedded": 1, "finalizable": true, "public_success_url": null, "template_owners": [2, "1"],
		"tasks": [], "id": 99}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Template{ID: 7, Name: "Patched", IsActive: true, IsPublic: true, IsEmbedded: true, Finalizable: true,
		Owners: []int64{2, 1}, Tasks: []Task{{Number: 1, APIName: "keep"}}}
	if !reflect.DeepEqual(tpl, want) {
		t.Fatalf("got %+v\nwant %+v", tpl, want)
	}

	// Absent keys and a null template_owners change nothing.
	tpl = base()
	if err := ApplyPatch(tpl, decodeBody(t, `{"template_owners": null}`)); err != nil || !reflect.DeepEqual(tpl, base()) {
		t.Fatalf("got %+v, %v", tpl, err)
	}
}

func TestApplyPatchErrors(t *testing.T) {
	tests := []struct {
		body     string
		wantName string
	}{
		{`{"name": ""}`, "name"},
		{`{"name": null}`, "name"},
		{`{"name": 3}`, "name"},
		{`{"description": []}`, "description"},
		{`{"is_active": "maybe"}`, "is_active"},
		{`{"is_public": {}}`, "is_public"},
		{`{"is_embedded": 2}`, "is_embedded"},
		{`{"finalizable": "no"}`, "finalizable"},
		{`{"public_success_url": 5}`, "public_success_url"},
		{`{"template_owners": true}`, "template_owners"},
		{`{"template_owners": ["me"]}`, "template_owners[0]"},
	}
	for _, tt := range tests {
		tpl := &Template{Name: "Old", Owners: []int64{1}}
		err := ApplyPatch(tpl, decodeBody(t, tt.body))
		wantDetail(t, err, tt.wantName, "")
		if !reflect.DeepEqual(tpl, &Template{Name: "Old", Owners: []int64{1}}) {
			t.Errorf("%s: a refused patch changed the template: %+v", tt.body, tpl)
		}
	}
}

func TestPatchActivationIsValidated(t *testing.T) {
	// The conformance suite's draft: a task without performers cannot be
	// activated by PATCH.
	b := with(body("Draft", list(task(1, "No one", list())), nil), "is_active", false)
	tpl, err := build(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyPatch(tpl, obj{"is_active": true}); err != nil {
		t.Fatal(err)
	}
	wantDetail(t, Validate(tpl, fakeDir{}), "", tpl.Tasks[0].APIName)
}
