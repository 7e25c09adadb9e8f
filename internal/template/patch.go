package template

import (
	"strings"
)

// ApplyPatch applies a PATCH body to t: top-level keys only (name,
// description, is_active, is_public, is_embedded, public_success_url,
// finalizable, template_owners), with Parse's type rules. Other keys are
// ignored; a key given as null clears description and public_success_url,
// sets booleans false and leaves template_owners unchanged. A name, when
// given, must be non-empty. On any problem t is left unchanged. The caller
// runs Validate afterwards (activating a draft checks it in full).
func ApplyPatch(t *Template, body map[string]any) error {
	d := &decoder{}
	next := *t
	var root loc
	if v, ok := body["name"]; ok {
		next.Name = d.text(v, root.key("name"), MaxTemplateName)
		if strings.TrimSpace(next.Name) == "" {
			d.fail(root.key("name"), "a template needs a name.")
		}
	}
	if v, ok := body["description"]; ok {
		next.Description = d.text(v, root.key("description"), 0)
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"is_active", &next.IsActive}, {"is_public", &next.IsPublic}, {"is_embedded", &next.IsEmbedded},
		{"finalizable", &next.Finalizable}} {
		if v, ok := body[b.key]; ok {
			*b.dst = d.boolean(v, root.key(b.key))
		}
	}
	if v, ok := body["public_success_url"]; ok {
		next.PublicSuccessURL = d.optText(v, root.key("public_success_url"), 0)
	}
	if v, ok := body["template_owners"]; ok && v != nil {
		next.Owners = d.owners(v, root.key("template_owners"))
	}
	if err := d.errs.Err(); err != nil {
		return err
	}
	*t = next
	return nil
}
