package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// Request bodies arrive decoded either from JSON with UseNumber (numbers are
// json.Number) or from a form (every value a string). The helpers here turn
// such values into Go values and record a problem for each one of the wrong
// type, so that one answer lists everything wrong with a body.

// maxProblems bounds the details collected from one body, so that a huge bad
// request does not produce a huge answer.
const maxProblems = 100

// loc says where a value sits in the request body, for error details.
type loc struct {
	path    string // the request field, e.g. "tasks[0].fields[1].type"
	apiName string // the api_name of the innermost enclosing object that has a valid one
}

func (l loc) key(k string) loc {
	if l.path != "" {
		k = l.path + "." + k
	}
	return loc{path: k, apiName: l.apiName}
}

func (l loc) at(i int) loc {
	return loc{path: fmt.Sprintf("%s[%d]", l.path, i), apiName: l.apiName}
}

func (l loc) within(apiName string) loc { return loc{path: l.path, apiName: apiName} }

// decoder collects the problems found while reading a body.
type decoder struct{ errs problem.List }

// fail records a problem at l: named by the enclosing api_name when there is
// one (the contract's rule for nested objects), else by the request field.
func (d *decoder) fail(l loc, format string, args ...any) {
	if len(d.errs.Details) >= maxProblems {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if l.path != "" {
		msg = l.path + ": " + msg
	}
	if l.apiName != "" {
		d.errs.AddAPIName(l.apiName, msg)
	} else {
		d.errs.AddName(l.path, msg)
	}
}

// checkText refuses strings a client cannot have meant or that storage cannot
// hold: invalid UTF-8 and NUL characters (PostgreSQL text refuses them), and
// strings of more than max characters (0: no limit).
func (d *decoder) checkText(s string, l loc, max int) bool {
	switch {
	case !utf8.ValidString(s):
		d.fail(l, "must be valid UTF-8 text.")
	case strings.IndexByte(s, 0) >= 0:
		d.fail(l, "must not contain NUL characters.")
	case max > 0 && utf8.RuneCountInString(s) > max:
		d.fail(l, "must be at most %d characters long.", max)
	default:
		return true
	}
	return false
}

// text reads a string; null (or absence) is "". Other types are refused: the
// seed's example sends an int as a field name by mistake, and guessing what a
// client meant by a number or a list is worse than saying no.
func (d *decoder) text(v any, l loc, max int) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if d.checkText(x, l, max) {
			return x
		}
	default:
		d.fail(l, "must be a string.")
	}
	return ""
}

// optText reads a string or null; "" counts as null.
func (d *decoder) optText(v any, l loc, max int) *string {
	s := d.text(v, l, max)
	if s == "" {
		return nil
	}
	return &s
}

// scalarText reads a string, a number or null as text ("" is null): what
// performer and due-date source ids and predicate values may be.
func (d *decoder) scalarText(v any, l loc, max int) *string {
	if n, ok := numberText(v); ok {
		return &n
	}
	if _, ok := v.(bool); ok {
		d.fail(l, "must be a string, a number or null.")
		return nil
	}
	if _, ok := v.(string); !ok && v != nil {
		d.fail(l, "must be a string, a number or null.")
		return nil
	}
	return d.optText(v, l, max)
}

// numberText returns the decimal text of a JSON number in any of the forms a
// decoder may produce.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return string(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	}
	return "", false
}

// boolean reads a bool; null is false. Forms send "true"/"false"/"1"/"0".
func (d *decoder) boolean(v any, l loc) bool {
	if n, ok := numberText(v); ok {
		v = n
	}
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true
		case "false", "0":
			return false
		}
	}
	d.fail(l, "must be a boolean.")
	return false
}

// integer reads an integer in [min, max]; null is 0. Numeric strings
// (forms) and integral numbers written as floats ("2.0", "1e2") are accepted.
func (d *decoder) integer(v any, l loc, min, max int64) int64 {
	if v == nil {
		return 0
	}
	text, ok := numberText(v)
	if !ok {
		s, isStr := v.(string)
		if !isStr {
			d.fail(l, "must be an integer.")
			return 0
		}
		text = strings.TrimSpace(s)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		// Floats are exact only below 2^53; past that the value is not
		// what the client wrote, so refuse it rather than round it.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			d.fail(l, "must be an integer.")
			return 0
		}
		n = int64(f)
	}
	if n < min || n > max {
		d.fail(l, "must be between %d and %d.", min, max)
		return 0
	}
	return n
}

// list reads a list; null is nil. A form may carry a JSON array as text.
func (d *decoder) list(v any, l loc) []any {
	if s, ok := v.(string); ok {
		v = decodeEmbedded(s, '[')
	}
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	d.fail(l, "must be a list.")
	return nil
}

// object reads an object; null is nil. A form may carry a JSON object as text.
func (d *decoder) object(v any, l loc) (map[string]any, bool) {
	if s, ok := v.(string); ok {
		v = decodeEmbedded(s, '{')
	}
	switch x := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		return x, true
	}
	d.fail(l, "must be an object.")
	return nil, false
}

// item reads one object of a list of objects, where null is refused too.
func (d *decoder) item(v any, l loc) (map[string]any, bool) {
	obj, ok := d.object(v, l)
	if ok && obj == nil {
		d.fail(l, "must be an object.")
	}
	return obj, obj != nil
}

// decodeEmbedded decodes JSON text that starts with open, as a form field
// would carry a nested value; anything else is returned unchanged so that
// the caller reports the type error.
func decodeEmbedded(s string, open byte) any {
	t := strings.TrimSpace(s)
	if t == "" || t[0] != open {
		return s
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(t)))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil || dec.More() {
		return s
	}
	return out
}

// ValidAPIName reports whether s is a client-usable api_name: 1 to 200
// characters of [A-Za-z0-9_-].
func ValidAPIName(s string) bool {
	if len(s) == 0 || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// apiName reads an object's optional api_name ("" and null: none given, the
// server generates one) and returns the location inside the object, which
// names the object by that api_name when it is valid.
func (d *decoder) apiName(obj map[string]any, l loc) (string, loc) {
	v := obj["api_name"]
	s, ok := v.(string)
	switch {
	case v == nil || ok && s == "":
		return "", l
	case !ok:
		d.fail(l.key("api_name"), "must be a string.")
		return "", l
	case ValidAPIName(s):
		return s, l.within(s)
	}
	msg := fmt.Sprintf("%s: an api_name is 1 to 200 characters of A-Z, a-z, 0-9, _ and -.", l.key("api_name").path)
	// Name the bad api_name itself when it can be echoed back sensibly.
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 && len(s) <= 1000 && len(d.errs.Details) < maxProblems {
		d.errs.AddAPIName(s, msg)
	} else {
		d.fail(l.key("api_name"), "an api_name is 1 to 200 characters of A-Z, a-z, 0-9, _ and -.")
	}
	return "", l
}
