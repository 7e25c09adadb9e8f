package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"sort"
	"strings"
)

// The reference page is rendered once, in Go, from Spec: no script, no
// font or stylesheet from elsewhere (the server may have no internet), and
// a strict Content-Security-Policy can allow exactly the one inline style.

//go:embed docs.html.tmpl
var docsTemplate string

//go:embed docs.css
var docsCSS string

// Page is the rendered reference page.
type Page struct {
	HTML []byte
	// CSP is the Content-Security-Policy to serve it with: nothing may
	// load, and only the page's own style block applies.
	CSP string
}

// Docs renders the reference page from Spec.
func Docs() (*Page, error) {
	dec := json.NewDecoder(bytes.NewReader(Spec))
	dec.UseNumber()
	doc, err := decodeOrdered(dec)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	r := &renderer{doc: obj(doc)}
	t, err := template.New("docs").Parse(docsTemplate)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, r.view()); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(docsCSS))
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return &Page{HTML: buf.Bytes(), CSP: csp}, nil
}

type renderer struct {
	doc *omap
}

type pageView struct {
	Title, Version string
	Intro          template.HTML
	CSS            template.CSS
	Servers        []string
	Tags           []tagView
	Webhooks       []opView
	Schemas        []schemaView
	Responses      []schemaView
}

type tagView struct {
	Name, Anchor string
	Desc         template.HTML
	Ops          []opView
}

type opView struct {
	Method, Path, Anchor, Summary, Auth string
	Desc                                template.HTML
	Params                              []paramView
	Body                                *bodyView
	Responses                           []respView
	HasErrors                           bool
}

type paramView struct {
	Name, In string
	Type     template.HTML
	Required bool
	Desc     template.HTML
}

type bodyView struct {
	ContentTypes string
	Schema       template.HTML
}

type respView struct {
	Status, ContentType string
	Desc                template.HTML
	Schema              template.HTML
	Shared              string // a components/responses name
	Error               bool
}

type schemaView struct {
	Name, Anchor string
	Desc         template.HTML
	Body         template.HTML
}

var methodOrder = []string{"get", "post", "put", "patch", "delete"}

func (r *renderer) components(kind string) *omap { return obj(obj(r.doc.get("components")).get(kind)) }

func (r *renderer) view() pageView {
	info := obj(r.doc.get("info"))
	v := pageView{Title: str(info.get("title")), Version: str(info.get("version")), Intro: prose(str(info.get("description"))),
		CSS: template.CSS(docsCSS)}
	for _, s := range list(r.doc.get("servers")) {
		v.Servers = append(v.Servers, str(obj(s).get("url"))+" ("+strings.TrimSuffix(str(obj(s).get("description")), ".")+")")
	}
	byTag := map[string][]opView{}
	paths := obj(r.doc.get("paths"))
	for _, path := range paths.order() {
		item := obj(paths.get(path))
		for _, m := range methodOrder {
			op := obj(item.get(m))
			if op == nil {
				continue
			}
			tag := "Other"
			if t := list(op.get("tags")); len(t) > 0 {
				tag = str(t[0])
			}
			byTag[tag] = append(byTag[tag], r.op(m, path, op))
		}
	}
	for _, t := range list(r.doc.get("tags")) {
		name := str(obj(t).get("name"))
		if len(byTag[name]) == 0 {
			continue
		}
		v.Tags = append(v.Tags, tagView{Name: name, Anchor: "tag-" + slug(name), Desc: prose(str(obj(t).get("description"))),
			Ops: byTag[name]})
		delete(byTag, name)
	}
	for _, name := range sortedKeys(byTag) { // tags used but not declared
		v.Tags = append(v.Tags, tagView{Name: name, Anchor: "tag-" + slug(name), Ops: byTag[name]})
	}
	hooks := obj(r.doc.get("webhooks"))
	for _, name := range hooks.order() {
		v.Webhooks = append(v.Webhooks, r.op("post", name, obj(obj(hooks.get(name)).get("post"))))
	}
	schemas := r.components("schemas")
	for _, name := range schemas.order() {
		s := obj(schemas.get(name))
		v.Schemas = append(v.Schemas, schemaView{Name: name, Anchor: "schema-" + name, Desc: prose(str(s.get("description"))),
			Body: r.schemaBody(s, 0)})
	}
	resps := r.components("responses")
	for _, name := range resps.order() {
		rs := obj(resps.get(name))
		var b strings.Builder
		content := obj(rs.get("content"))
		for _, ct := range content.order() {
			fmt.Fprintf(&b, "<p class=\"ct\">%s: %s</p>", html.EscapeString(ct), r.typeOf(obj(obj(content.get(ct)).get("schema"))))
		}
		headers := obj(rs.get("headers"))
		for _, h := range headers.order() {
			fmt.Fprintf(&b, "<p class=\"ct\">Header <code>%s</code>: %s</p>", html.EscapeString(h),
				html.EscapeString(str(obj(headers.get(h)).get("description"))))
		}
		v.Responses = append(v.Responses, schemaView{Name: name, Anchor: "response-" + name,
			Desc: prose(str(rs.get("description"))), Body: template.HTML(b.String())})
	}
	return v
}

func (r *renderer) op(method, path string, op *omap) opView {
	v := opView{Method: strings.ToUpper(method), Path: path, Anchor: str(op.get("operationId")),
		Summary: str(op.get("summary")), Desc: prose(str(op.get("description")))}
	switch {
	case strings.HasPrefix(v.Anchor, "webhook_"):
	case !op.has("security"):
		v.Auth = "API key"
	case len(list(op.get("security"))) == 0:
		v.Auth = "no key"
	default:
		v.Auth = "API key optional"
	}
	for _, raw := range list(op.get("parameters")) {
		pm := obj(raw)
		v.Params = append(v.Params, paramView{Name: str(pm.get("name")), In: str(pm.get("in")),
			Required: pm.get("required") == true, Type: r.typeOf(obj(pm.get("schema"))), Desc: prose(str(pm.get("description")))})
	}
	if rb := obj(op.get("requestBody")); rb != nil {
		content := obj(rb.get("content"))
		cts := content.order()
		var schema *omap
		if len(cts) > 0 {
			schema = obj(obj(content.get(cts[0])).get("schema"))
		}
		v.Body = &bodyView{ContentTypes: strings.Join(cts, ", "), Schema: r.topSchema(schema)}
	}
	resps := obj(op.get("responses"))
	for _, status := range resps.order() {
		rs := obj(resps.get(status))
		rv := respView{Status: status, Error: status[0] == '4' || status[0] == '5'}
		v.HasErrors = v.HasErrors || rv.Error
		if ref := str(rs.get("$ref")); ref != "" {
			rv.Shared = strings.TrimPrefix(ref, "#/components/responses/")
			rv.Desc = prose(str(obj(r.components("responses").get(rv.Shared)).get("description")))
		} else {
			rv.Desc = prose(str(rs.get("description")))
			content := obj(rs.get("content"))
			if cts := content.order(); len(cts) > 0 {
				rv.ContentType = cts[0]
				rv.Schema = r.topSchema(obj(obj(content.get(cts[0])).get("schema")))
			}
		}
		v.Responses = append(v.Responses, rv)
	}
	return v
}

// resolve follows a $ref into components/schemas.
func (r *renderer) resolve(s *omap) (string, *omap) {
	ref := str(s.get("$ref"))
	if ref == "" {
		return "", s
	}
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	return name, obj(r.components("schemas").get(name))
}

// topSchema shows a body or response: a link to the named schema and its
// properties, so that the reader need not jump for the first level.
func (r *renderer) topSchema(s *omap) template.HTML {
	if s == nil {
		return ""
	}
	name, target := r.resolve(s)
	var b strings.Builder
	if name != "" {
		fmt.Fprintf(&b, "<p class=\"ct\">%s</p>", link(name))
	}
	b.WriteString(string(r.schemaBody(target, 0)))
	return template.HTML(b.String())
}

// schemaBody is a property table for objects, or the type line otherwise.
func (r *renderer) schemaBody(s *omap, depth int) template.HTML {
	if len(list(s.get("oneOf"))) > 0 {
		return template.HTML("<p class=\"ct\">One of: " + string(r.typeOf(s)) + "</p>")
	}
	if str(s.get("type")) == "array" {
		items := obj(s.get("items"))
		if items.has("properties") {
			return template.HTML("<p class=\"ct\">array of:</p>" + string(r.schemaBody(items, depth+1)))
		}
	}
	props := obj(s.get("properties"))
	if props == nil {
		return template.HTML("<p class=\"ct\">" + string(r.typeOf(s)) + "</p>")
	}
	req := map[string]bool{}
	for _, x := range list(s.get("required")) {
		req[str(x)] = true
	}
	var b strings.Builder
	b.WriteString("<table class=\"props\"><thead><tr><th>name</th><th>type</th><th>description</th></tr></thead><tbody>")
	for _, name := range props.order() {
		ps := obj(props.get(name))
		mark := ""
		if req[name] {
			mark = " <span class=\"req\" title=\"required\">*</span>"
		}
		fmt.Fprintf(&b, "<tr><td><code>%s</code>%s</td><td>%s</td><td>%s", html.EscapeString(name), mark, r.typeOf(ps),
			prose(str(ps.get("description"))))
		// Inline objects (and lists of them) are shown nested.
		inner := ps
		if str(ps.get("type")) == "array" {
			inner = obj(ps.get("items"))
		}
		if inner.has("properties") && depth < 3 {
			b.WriteString(string(r.schemaBody(inner, depth+1)))
		}
		b.WriteString("</td></tr>")
	}
	b.WriteString("</tbody></table>")
	if s.get("additionalProperties") == false {
		b.WriteString("<p class=\"note\">* always present; no other keys.</p>")
	} else if len(req) > 0 {
		b.WriteString("<p class=\"note\">* required; other keys are ignored.</p>")
	}
	return template.HTML(b.String())
}

// typeOf is a one-line type: links for references, "a | null", enums.
func (r *renderer) typeOf(s *omap) template.HTML {
	if s == nil {
		return ""
	}
	if ref := str(s.get("$ref")); ref != "" {
		return template.HTML(link(strings.TrimPrefix(ref, "#/components/schemas/")))
	}
	if alts := list(s.get("oneOf")); len(alts) > 0 {
		var parts []string
		for _, a := range alts {
			parts = append(parts, string(r.typeOf(obj(a))))
		}
		return template.HTML(strings.Join(parts, " | "))
	}
	var types []string
	switch t := s.get("type").(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, str(x))
		}
	}
	for i, t := range types {
		switch {
		case t == "array":
			types[i] = "array of " + string(r.typeOf(obj(s.get("items"))))
		case t == "string" && str(s.get("format")) != "":
			types[i] = "string (" + html.EscapeString(str(s.get("format"))) + ")"
		default:
			types[i] = html.EscapeString(t)
		}
	}
	out := strings.Join(types, " | ")
	if out == "" {
		out = "any"
	}
	if e := list(s.get("enum")); len(e) > 0 {
		var vals []string
		for _, x := range e {
			if x != nil {
				vals = append(vals, "<code>"+html.EscapeString(fmt.Sprint(x))+"</code>")
			}
		}
		out += ": " + strings.Join(vals, ", ")
	}
	if s.has("default") {
		out += " (default <code>" + html.EscapeString(fmt.Sprint(s.get("default"))) + "</code>)"
	}
	return template.HTML(out)
}

func link(name string) string {
	n := html.EscapeString(name)
	return "<a href=\"#schema-" + n + "\">" + n + "</a>"
}

var (
	codeRe = regexp.MustCompile("`([^`]+)`")
	boldRe = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	slugRe = regexp.MustCompile(`[^a-z0-9]+`)
)

// prose renders a description: paragraphs at blank lines, `code` and
// **bold**; everything else escaped.
func prose(s string) template.HTML {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		t := html.EscapeString(strings.TrimSpace(para))
		t = codeRe.ReplaceAllString(t, "<code>$1</code>")
		t = boldRe.ReplaceAllString(t, "<strong>$1</strong>")
		b.WriteString("<p>" + t + "</p>")
	}
	return template.HTML(b.String())
}

func slug(s string) string {
	return strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// omap is a decoded JSON object that keeps its keys in file order
// (encoding/json's maps do not): the page lists paths, properties and
// statuses as the description writes them.
type omap struct {
	keys []string
	m    map[string]any
}

func (o *omap) get(k string) any {
	if o == nil {
		return nil
	}
	return o.m[k]
}

func (o *omap) has(k string) bool {
	if o == nil {
		return false
	}
	_, ok := o.m[k]
	return ok
}

func (o *omap) order() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// decodeOrdered decodes JSON into *omap, []any, json.Number, string, bool
// and nil.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &omap{m: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := o.m[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.m[k] = v
			}
			_, err := dec.Token() // }
			return o, err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token() // ]
			return l, err
		}
	}
	return tok, nil
}

func obj(v any) *omap { o, _ := v.(*omap); return o }

func list(v any) []any { l, _ := v.([]any); return l }

func str(v any) string { s, _ := v.(string); return s }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
