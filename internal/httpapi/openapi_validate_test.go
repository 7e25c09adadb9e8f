package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/api"
)

// A JSON Schema validator for the subset api/openapi.json uses: $ref,
// type (one or a list, so "nullable" is a type list), enum, properties,
// required, additionalProperties, items, oneOf/anyOf/allOf, minimum,
// maximum, minLength, maxLength, and the formats date-time and uri. It refuses a schema with any
// other keyword: a keyword it silently skipped would be a check that looks
// done and is not. (No dependency: the subset is small, and a module added
// for tests alone would touch go.mod, which several people edit.)

// knownKeywords are the validating keywords above plus annotations.
var knownKeywords = map[string]bool{
	"$ref": true, "type": true, "enum": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "oneOf": true, "anyOf": true, "allOf": true,
	"minimum": true, "maximum": true, "minLength": true, "maxLength": true, "format": true,
	"description": true, "examples": true, "default": true, "title": true,
}

// instantRe is the contract's output form of an instant (§2): ISO 8601
// UTC with milliseconds and Z. Stricter than RFC 3339 on purpose.
var instantRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// openapiDoc is the decoded description (numbers as json.Number).
type openapiDoc map[string]any

func loadSpec(t *testing.T) openapiDoc {
	t.Helper()
	var doc openapiDoc
	dec := json.NewDecoder(bytes.NewReader(api.Spec))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("api/openapi.json: %v", err)
	}
	return doc
}

// pointer resolves a local JSON pointer ("#/components/schemas/User").
func (d openapiDoc) pointer(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("only local references are supported: %q", ref)
	}
	var cur any = map[string]any(d)
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %q is not inside an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("%s: no %q", ref, part)
		}
	}
	return cur, nil
}

// validate checks value against schema and returns every problem, each
// prefixed with the JSON path where it is.
func (d openapiDoc) validate(schema any, value any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool {
			if b {
				return nil
			}
			return []string{at + ": no value is allowed here"}
		}
		return []string{fmt.Sprintf("%s: schema is not an object: %#v", at, schema)}
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	for k := range s {
		if !knownKeywords[k] {
			fail("the schema uses %q, which this validator does not check", k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		target, err := d.pointer(ref)
		if err != nil {
			fail("%v", err)
			return errs
		}
		return append(errs, d.validate(target, value, at)...)
	}
	if types, ok := s["type"]; ok {
		var list []string
		switch t := types.(type) {
		case string:
			list = []string{t}
		case []any:
			for _, x := range t {
				list = append(list, x.(string))
			}
		}
		if !slices.ContainsFunc(list, func(t string) bool { return hasType(value, t) }) {
			fail("got %s, want %s", jsonType(value), strings.Join(list, " or "))
			return errs
		}
	}
	if e, ok := s["enum"].([]any); ok {
		if !slices.ContainsFunc(e, func(x any) bool { return sameJSON(x, value) }) {
			fail("%s is not one of %v", short(value), e)
		}
	}
	for _, kw := range []string{"minimum", "maximum"} {
		lim, ok := s[kw].(json.Number)
		n, isNum := value.(json.Number)
		if !ok || !isNum {
			continue
		}
		lf, _ := lim.Float64()
		nf, _ := n.Float64()
		if (kw == "minimum" && nf < lf) || (kw == "maximum" && nf > lf) {
			fail("%s is beyond the %s %s", n, kw, lim)
		}
	}
	if str, isStr := value.(string); isStr {
		n := utf8.RuneCountInString(str)
		if lim, ok := s["minLength"].(json.Number); ok && int64(n) < must64(lim) {
			fail("%q is shorter than %s", str, lim)
		}
		if lim, ok := s["maxLength"].(json.Number); ok && int64(n) > must64(lim) {
			fail("%q is longer than %s", short(str), lim)
		}
	}
	if f, ok := s["format"].(string); ok {
		if str, isStr := value.(string); isStr {
			switch f {
			case "date-time":
				if !instantRe.MatchString(str) {
					fail("%q is not an instant in the contract's form (2026-12-03T15:42:02.123Z)", str)
				}
			case "uri":
				if u, err := url.Parse(str); err != nil || !u.IsAbs() || u.Host == "" {
					fail("%q is not an absolute URL", str)
				}
			default:
				fail("unknown format %q", f)
			}
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, d.validate(sub, value, at)...)
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		matched := false
		var why []string
		for _, sub := range anyOf {
			e := d.validate(sub, value, at)
			if len(e) == 0 {
				matched = true
				break
			}
			why = append(why, e...)
		}
		if !matched {
			fail("matches none of anyOf: %s", strings.Join(why, "; "))
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		n := 0
		var why []string
		for _, sub := range oneOf {
			if e := d.validate(sub, value, at); len(e) == 0 {
				n++
			} else {
				why = append(why, e...)
			}
		}
		switch {
		case n == 0:
			fail("matches none of oneOf: %s", strings.Join(why, "; "))
		case n > 1:
			fail("matches %d schemas of oneOf, want exactly one", n)
		}
	}
	if obj, isObj := value.(map[string]any); isObj {
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, has := obj[r.(string)]; !has {
					fail("missing required key %q", r)
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(ps, obj[k], at+"."+k)...)
				continue
			}
			if ap, ok := s["additionalProperties"]; ok {
				if ap == false {
					fail("key %q is not in the schema", k)
				} else {
					errs = append(errs, d.validate(ap, obj[k], at+"."+k)...)
				}
			}
		}
	}
	if arr, isArr := value.([]any); isArr {
		if items, ok := s["items"]; ok {
			for i, it := range arr {
				errs = append(errs, d.validate(items, it, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func hasType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func must64(n json.Number) int64 {
	v, _ := n.Int64()
	return v
}

func jsonType(v any) string {
	for _, t := range []string{"null", "boolean", "string", "integer", "number", "object", "array"} {
		if hasType(v, t) {
			return t
		}
	}
	return fmt.Sprintf("%T", v)
}

// sameJSON compares an enum member with a value (numbers by text).
func sameJSON(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		return an.String() == bn.String()
	}
	return a == b
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// decodeJSON decodes a body with numbers kept as json.Number.
func decodeJSON(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("extra data after the JSON value")
	}
	return v, nil
}

// TestValidatorCatchesDrift checks the validator itself against a few
// bodies that must fail, so that a green schema test means something.
func TestValidatorCatchesDrift(t *testing.T) {
	doc := loadSpec(t)
	user := map[string]any{"$ref": "#/components/schemas/User"}
	good := `{"id":1,"email":"a@b.c","first_name":"","last_name":"","phone":null,"photo":null,"status":"active",
		"is_staff":false,"is_admin":true,"is_account_owner":true,"type":"user","invite":null,
		"date_joined":"2026-01-02T03:04:05.006Z","date_joined_tsp":1767323045.006}`
	v, err := decodeJSON([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if errs := doc.validate(user, v, "$"); len(errs) > 0 {
		t.Fatalf("a valid user fails: %v", errs)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"extra key":       func(m map[string]any) { m["surprise"] = true },
		"missing key":     func(m map[string]any) { delete(m, "email") },
		"wrong type":      func(m map[string]any) { m["id"] = "1" },
		"not an integer":  func(m map[string]any) { m["id"] = json.Number("1.5") },
		"bad enum":        func(m map[string]any) { m["status"] = "gone" },
		"null not listed": func(m map[string]any) { m["email"] = nil },
		"instant form":    func(m map[string]any) { m["date_joined"] = "2026-01-02T03:04:05Z" },
		"nested":          func(m map[string]any) { m["invite"] = map[string]any{"id": "x"} },
	} {
		v, _ := decodeJSON([]byte(good))
		mutate(v.(map[string]any))
		if errs := doc.validate(user, v, "$"); len(errs) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	if errs := doc.validate(map[string]any{"type": "string", "pattern": "x"}, "x", "$"); len(errs) == 0 {
		t.Error("an unknown keyword must be refused")
	}
}
