package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// maxJSONBody is the contract's limit for request bodies.
const maxJSONBody = 1 << 20

var errTooLarge = &problem.Error{Kind: problem.TooLarge, Message: "Request body is too large."}

// readBody decodes a JSON or form-encoded body into a map. Numbers stay
// json.Number; form values are strings (lists for repeated keys). An empty
// body is an empty map.
func readBody(r *http.Request) (map[string]any, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, problem.Invalidf("The request body could not be read.")
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return map[string]any{}, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || (ct == "" && looksJSON(raw)):
		return decodeJSONObject(raw)
	case mt == "application/x-www-form-urlencoded" || (ct == "" && !looksJSON(raw)):
		if !utf8.Valid(raw) {
			return nil, problem.Invalidf("The request body is not valid UTF-8.")
		}
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, problem.Invalidf("The form body is malformed.")
		}
		out := make(map[string]any, len(vals))
		for k, v := range vals {
			// Percent-escapes may decode to bytes that are not UTF-8.
			if !utf8.ValidString(k) || !allValidUTF8(v) {
				return nil, problem.Invalidf("The form body is not valid UTF-8 once decoded.")
			}
			if len(v) == 1 {
				out[k] = v[0]
			} else {
				list := make([]any, len(v))
				for i, s := range v {
					list[i] = s
				}
				out[k] = list
			}
		}
		if err := noNULs(out); err != nil {
			return nil, err
		}
		return out, nil
	default:
		return nil, problem.Invalidf("Unsupported content type %q: send application/json or application/x-www-form-urlencoded.", mt)
	}
}

func looksJSON(raw []byte) bool {
	s := strings.TrimSpace(string(raw))
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// maxDepth bounds nesting so that hostile bodies cannot exhaust the stack.
const maxDepth = 32

func decodeJSONObject(raw []byte) (map[string]any, error) {
	if !utf8.Valid(raw) {
		return nil, problem.Invalidf("The request body is not valid UTF-8.")
	}
	if depth(raw) > maxDepth {
		return nil, problem.Invalidf("The JSON body is nested too deeply.")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, problem.Invalidf("JSON parse error: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	// dec.More is false before a stray '}' or ']', so look at the rest.
	if rest := raw[dec.InputOffset():]; len(bytes.TrimSpace(rest)) > 0 {
		return nil, problem.Invalidf("JSON parse error: extra data after the object.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, problem.Invalidf("Invalid data. Expected a JSON object.")
	}
	// encoding/json keeps the last of repeated keys silently; a body that
	// says two things about one key is refused rather than guessed at (a
	// proxy or a signature check may have read the first one).
	if key, dup := duplicateKey(raw); dup {
		return nil, problem.Invalidf("JSON parse error: the key %q appears more than once in an object.", key)
	}
	if err := noNULs(m); err != nil {
		return nil, err
	}
	return m, nil
}

func allValidUTF8(vs []string) bool {
	for _, v := range vs {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// noNULs refuses a body with a NUL character in any key or string, at any
// depth: PostgreSQL cannot store one in text (it would be a 500 there, and
// SQLite would keep a string other systems cut short). The error names the
// top-level key it is under.
func noNULs(m map[string]any) error {
	var has func(v any) bool
	has = func(v any) bool {
		switch t := v.(type) {
		case string:
			return strings.IndexByte(t, 0) >= 0
		case []any:
			for _, x := range t {
				if has(x) {
					return true
				}
			}
		case map[string]any:
			for k, x := range t {
				if strings.IndexByte(k, 0) >= 0 || has(x) {
					return true
				}
			}
		}
		return false
	}
	for k, v := range m {
		if strings.IndexByte(k, 0) >= 0 || has(v) {
			return problem.Field(k, "Null characters are not allowed.")
		}
	}
	return nil
}

// duplicateKey walks an already valid JSON text and reports the first key
// repeated within one object, at any depth.
func duplicateKey(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// One entry per open container: the keys seen (nil for an array) and,
	// for an object, whether the next token is a key.
	type frame struct {
		keys    map[string]bool
		wantKey bool
	}
	var stack []frame
	closeValue := func() { // a value ended: its object now expects a key
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // io.EOF: the text was decoded once already
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				if stack[n-1].keys[k] {
					return k, true
				}
				stack[n-1].keys[k] = true
				stack[n-1].wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			closeValue()
		default:
			closeValue()
		}
	}
}

// depth measures the bracket nesting of a JSON text outside strings.
func depth(raw []byte) int {
	d, max := 0, 0
	inStr, esc := false, false
	for _, c := range raw {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			d++
			if d > max {
				max = d
			}
		case c == '}' || c == ']':
			d--
		}
	}
	return max
}

// body gives typed access to a decoded request body, with errors that name
// the offending field.
type body map[string]any

func (b body) has(name string) bool { _, ok := b[name]; return ok }

// str returns a string field; absent or null → ("", false).
func (b body) str(name string) (string, bool, error) {
	v, ok := b[name]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, problem.Field(name, "Not a valid string.")
	}
	return s, true, nil
}

// boolean accepts JSON booleans and the form words true/false/1/0.
func (b body) boolean(name string) (bool, bool, error) {
	v, ok := b[name]
	if !ok || v == nil {
		return false, false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, true, nil
	case string:
		switch strings.ToLower(t) {
		case "true", "1", "yes", "on":
			return true, true, nil
		case "false", "0", "no", "off", "":
			return false, true, nil
		}
	}
	return false, false, problem.Field(name, "Must be a valid boolean.")
}

// integer accepts JSON integers and numeric strings.
func (b body) integer(name string) (int64, bool, error) {
	v, ok := b[name]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, err := toInt(v)
	if err != nil {
		return 0, false, problem.Field(name, "A valid integer is required.")
	}
	return n, true, nil
}

func toInt(v any) (int64, error) {
	switch t := v.(type) {
	case json.Number:
		return strconv.ParseInt(t.String(), 10, 64)
	case string:
		return strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	case float64:
		if t == float64(int64(t)) {
			return int64(t), nil
		}
	}
	return 0, errors.New("not an integer")
}

// intList accepts a JSON list of integers (or numeric strings).
func (b body) intList(name string) ([]int64, bool, error) {
	v, ok := b[name]
	if !ok || v == nil {
		return nil, false, nil
	}
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	case string, json.Number:
		items = []any{t}
	default:
		return nil, false, problem.Field(name, "Expected a list of integers.")
	}
	out := make([]int64, 0, len(items))
	for _, it := range items {
		n, err := toInt(it)
		if err != nil {
			return nil, false, problem.Field(name, "Expected a list of integers.")
		}
		out = append(out, n)
	}
	return out, true, nil
}

// object returns a nested object field.
func (b body) object(name string) (map[string]any, bool, error) {
	v, ok := b[name]
	if !ok || v == nil {
		return nil, false, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false, problem.Field(name, "Expected an object.")
	}
	return m, true, nil
}

// checkQuery refuses a query string whose decoded keys or values hold a NUL
// or bytes that are not UTF-8: filters such as search go to the database,
// and PostgreSQL refuses such text (a 500 otherwise).
func checkQuery(r *http.Request) error {
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
			return problem.Invalidf("The query string is not valid UTF-8 text.")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				return problem.Field(k, "Null characters and bytes that are not UTF-8 are not allowed.")
			}
		}
	}
	return nil
}

// pathID parses an integer path parameter; anything else is a 404.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, problem.Notfound()
	}
	return n, nil
}
