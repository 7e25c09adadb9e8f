// Command gen writes api/openapi.json, the OpenAPI 3.1 description of the
// server's HTTP API (run it with `go generate ./api`). The description is
// built in Go rather than typed as JSON because most of it repeats a few
// conventions (instants as an ISO/_tsp pair, strict response objects, the
// error answers of every operation) that are easier to keep right once, in
// a helper, than two hundred times by hand. The JSON file it writes is what
// the binary embeds and serves; TestUpToDate fails while they disagree.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
)

func main() {
	out := flag.String("o", "openapi.json", "file to write")
	flag.Parse()
	b, err := render()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// render is the file's exact bytes: indented, keys in the order written
// here (a reader of the file or of /docs sees id first, not alphabetical
// order), no HTML escaping (descriptions contain < and &).
func render() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(build()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// O is a JSON object whose keys keep their order.
type O []kv

type kv struct {
	K string
	V any
}

// MarshalJSON writes the pairs in order.
func (o O) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshal(p.K)
		if err != nil {
			return nil, err
		}
		v, err := marshal(p.V)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.K, err)
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// o builds an ordered object from alternating keys and values; a nil value
// leaves its key out (so optional parts can be passed inline).
func o(pairs ...any) O {
	if len(pairs)%2 != 0 {
		panic("o: odd number of arguments")
	}
	out := O{}
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == nil {
			continue
		}
		if v, ok := pairs[i+1].(O); ok && v == nil {
			continue
		}
		out = append(out, kv{pairs[i].(string), pairs[i+1]})
	}
	return out
}

// get returns the value of key k.
func (o O) get(k string) (any, bool) {
	for _, p := range o {
		if p.K == k {
			return p.V, true
		}
	}
	return nil, false
}

// with returns a copy with key k set (replaced in place, or appended).
func (o O) with(k string, v any) O {
	out := slices.Clone(o)
	for i, p := range out {
		if p.K == k {
			out[i].V = v
			return out
		}
	}
	return append(out, kv{k, v})
}

// ---- schemas ----

func ref(name string) O { return o("$ref", "#/components/schemas/"+name) }

func str() O     { return o("type", "string") }
func integer() O { return o("type", "integer") }
func number() O  { return o("type", "number") }
func boolean() O { return o("type", "boolean") }
func uri() O     { return o("type", "string", "format", "uri") }

// instant is the contract's time format: ISO 8601 UTC, milliseconds, Z.
func instant() O {
	return o("type", "string", "format", "date-time", "examples", []string{"2026-12-03T15:42:02.123Z"})
}

func arr(items O) O { return o("type", "array", "items", items) }

func enum(vals ...any) O {
	t := "string"
	if _, ok := vals[0].(int); ok {
		t = "integer"
	}
	return o("type", t, "enum", vals)
}

// null makes a schema accept null too: a type list for plain types (what
// JSON Schema 2020-12 and OpenAPI 3.1 use instead of "nullable"), oneOf for
// references.
func null(s O) O {
	if t, ok := s.get("type"); ok {
		if ts, ok := t.(string); ok {
			s = s.with("type", []string{ts, "null"})
			if e, ok := s.get("enum"); ok {
				s = s.with("enum", append(slices.Clone(e.([]any)), nil))
			}
			return s
		}
	}
	return o("oneOf", []O{s, o("type", "null")})
}

// desc adds a description.
func desc(s O, d string) O {
	if d == "" {
		return s
	}
	return s.with("description", d)
}

// prop is one property of an object schema.
type prop struct {
	name     string
	schema   O
	optional bool // response objects: may be absent
	required bool // request objects: must be present
}

func p(name string, s O, d string) prop { return prop{name: name, schema: desc(s, d)} }

// opt marks a response property that may be absent.
func opt(pr prop) prop { pr.optional = true; return pr }

// must marks a request property that must be present.
func must(pr prop) prop { pr.required = true; return pr }

// when returns the pair <name> (ISO 8601) and <name>_tsp (Unix seconds) the
// contract gives every instant.
func when(name string, nullable bool, d string) []prop {
	iso, ts := instant(), number()
	if nullable {
		iso, ts = null(iso), null(ts)
	}
	return []prop{
		p(name, iso, d),
		p(name+"_tsp", ts, "The same instant as "+name+", in Unix seconds."),
	}
}

func flatten(items []any) []prop {
	var out []prop
	for _, it := range items {
		switch v := it.(type) {
		case prop:
			out = append(out, v)
		case []prop:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("flatten: %T", it))
		}
	}
	return out
}

// obj is a response object: every property is always sent (unless opt) and
// nothing else is, so the schema test catches a field added to the code but
// not to this description, and one dropped from the code.
func obj(d string, items ...any) O {
	props, req := O{}, []string{}
	for _, pr := range flatten(items) {
		props = append(props, kv{pr.name, pr.schema})
		if !pr.optional {
			req = append(req, pr.name)
		}
	}
	return o("type", "object", "description", nonEmpty(d), "properties", props, "required", req,
		"additionalProperties", false)
}

// in is a request object: unknown keys are ignored by the server (§2), so
// they are allowed here too; only must() properties are required.
func in(d string, items ...any) O {
	props, req := O{}, []string{}
	for _, pr := range flatten(items) {
		props = append(props, kv{pr.name, pr.schema})
		if pr.required {
			req = append(req, pr.name)
		}
	}
	var r any
	if len(req) > 0 {
		r = req
	}
	return o("type", "object", "description", nonEmpty(d), "properties", props, "required", r)
}

// props returns the property list of an object schema built by obj, so
// that a schema extending another (User → InvitedUser) is a flat copy:
// additionalProperties false does not compose with allOf.
func props(s O) []prop {
	ps, _ := s.get("properties")
	reqv, _ := s.get("required")
	req, _ := reqv.([]string)
	var out []prop
	for _, kv := range ps.(O) {
		out = append(out, prop{name: kv.K, schema: kv.V.(O), optional: !slices.Contains(req, kv.K)})
	}
	return out
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// page is the contract's list envelope around items.
func page(item, d string) O {
	return obj(d,
		p("count", integer(), "How many items match, over all pages."),
		p("next", null(uri()), "The next page (same query, limit/offset replaced); null on the last page."),
		p("previous", null(uri()), "The previous page; null on the first page."),
		p("results", arr(ref(item)), ""),
	)
}
