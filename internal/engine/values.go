package engine

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// RequiredMessage is the reason given when a required field is left empty.
const RequiredMessage = "Please fill in the required fields."

// MaxStringLength is the longest value of a string field, in characters.
const MaxStringLength = 140

// instantLayout is the canonical text of a date value and of instants on the
// wire: UTC, milliseconds, Z.
const instantLayout = "2006-01-02T15:04:05.000Z"

// Reasons of malformed values (the request names the field by api_name).
const (
	msgNotText      = "The value must be a string."
	msgTooLong      = "The value must be at most 140 characters long."
	msgBadURL       = "The value must be a valid URL."
	msgOneOption    = "Only one option may be selected."
	msgBadOptions   = "The value must be a list of options of the field."
	msgBadDate      = "The value must be a date: an ISO 8601 date or instant, MM/DD/YYYY, or Unix seconds."
	msgBadUser      = "The value must be the id or e-mail of a user of this account."
	msgBadFiles     = "The value must be a list of attachment ids."
	msgBadNumber    = "The value must be a number."
	msgUnknownType  = "The field has an unknown type."
	msgUnknownOptFm = "%q is not an option of the field."
	msgBadFileFm    = "Attachment %d is not an uploaded file of this account, or another field uses it."
)

// SetValue validates raw, the value a client sent for field f (JSON decoded
// with UseNumber, or a form string), and stores its canonical form into f
// (Value, UserID, Selections[i].IsSelected, Attachments), setting f.Dirty.
// nil, "" and an empty list clear the field. Required-ness is not checked
// here (see ApplyInputs). A malformed value is a problem.APIName(f.APIName)
// of kind Invalid, and f is then left unchanged.
func SetValue(f *Field, raw any, dir Directory) error {
	if valIsEmptyInput(raw) {
		valClear(f)
		f.Dirty = true
		return nil
	}
	bad := func(msg string) error { return problem.APIName(f.APIName, msg) }

	switch f.Type {
	case template.TypeString, template.TypeText:
		s, ok := valText(raw)
		if !ok {
			return bad(msgNotText)
		}
		if f.Type == template.TypeString && utf8.RuneCountInString(s) > MaxStringLength {
			return bad(msgTooLong)
		}
		valClear(f)
		f.Value = s

	case template.TypeURL:
		s, ok := raw.(string)
		if !ok {
			return bad(msgBadURL)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			valClear(f)
			break
		}
		if !validURL(s) {
			return bad(msgBadURL)
		}
		valClear(f)
		f.Value = s

	case template.TypeRadio, template.TypeDropdown:
		item := raw
		if list, ok := raw.([]any); ok {
			// A one-item list is taken as its item: some clients send every
			// selection value as a list.
			if len(list) != 1 {
				return bad(msgOneOption)
			}
			item = list[0]
		}
		i, err := valFindSelection(f, item)
		if err != nil {
			return err
		}
		valClear(f)
		f.Selections[i].IsSelected = true
		f.Value = f.Selections[i].Value

	case template.TypeCheckbox:
		chosen, err := valCheckboxChoice(f, raw)
		if err != nil {
			return err
		}
		valClear(f)
		var vals []string
		for i := range f.Selections {
			if chosen[i] {
				f.Selections[i].IsSelected = true
				vals = append(vals, f.Selections[i].Value)
			}
		}
		f.Value = strings.Join(vals, ", ")

	case template.TypeDate:
		s, _, ok := valScalar(raw)
		if !ok {
			return bad(msgBadDate)
		}
		if strings.TrimSpace(s) == "" {
			valClear(f)
			break
		}
		t, err := ParseInstant(s)
		if err != nil {
			return bad(msgBadDate)
		}
		valClear(f)
		f.Value = t.Format(instantLayout)

	case template.TypeUser:
		u, ok := valFindUser(raw, dir)
		if !ok {
			return bad(msgBadUser)
		}
		if u == 0 {
			valClear(f)
			break
		}
		valClear(f)
		f.UserID = u
		f.Value = strconv.FormatInt(u, 10)

	case template.TypeFile:
		atts, err := valAttachments(f, raw, dir)
		if err != nil {
			return err
		}
		valClear(f)
		if len(atts) > 0 {
			urls := make([]string, len(atts))
			for i, a := range atts {
				urls[i] = a.URL
			}
			f.Attachments = atts
			f.Value = strings.Join(urls, ", ")
		}

	case template.TypeNumber:
		s, _, ok := valScalar(raw)
		if !ok {
			return bad(msgBadNumber)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			valClear(f)
			break
		}
		d, ok := parseDecimal(s)
		if !ok {
			return bad(msgBadNumber)
		}
		valClear(f)
		f.Value = d.String()

	default:
		return bad(msgUnknownType)
	}
	f.Dirty = true
	return nil
}

// IsEmpty reports whether f holds no value: no text, no user, no
// attachment and no selected option.
func IsEmpty(f *Field) bool {
	if f.Value != "" || f.UserID != 0 || len(f.Attachments) > 0 {
		return false
	}
	for _, s := range f.Selections {
		if s.IsSelected {
			return false
		}
	}
	return true
}

// ApplyInputs sets each field of fields from input[field.APIName], in
// order, and checks that every required field ends up non-empty
// (RequiredMessage, naming the field). A missing key counts as empty when
// clearMissing is set (run); otherwise the field keeps its value (task
// completion, where a returned task keeps its outputs), and is still
// checked. Unknown keys are ignored. It returns the first problem in field
// order, and on any problem changes no field at all.
func ApplyInputs(fields []*Field, input map[string]any, dir Directory, clearMissing bool) error {
	updated := make([]*Field, len(fields))
	for i, f := range fields {
		c := f
		if raw, ok := input[f.APIName]; ok || clearMissing {
			c = valCloneField(f)
			if err := SetValue(c, raw, dir); err != nil {
				return err
			}
			updated[i] = c
		}
		if c.IsRequired && IsEmpty(c) {
			return problem.APIName(f.APIName, RequiredMessage)
		}
	}
	for i, c := range updated {
		if c != nil {
			*fields[i] = *c
		}
	}
	return nil
}

// valCloneField copies f deeply enough for SetValue to work on the copy.
func valCloneField(f *Field) *Field {
	c := *f
	c.Selections = append([]Selection(nil), f.Selections...)
	c.Attachments = append([]Attachment(nil), f.Attachments...)
	return &c
}

// valClear empties f's value.
func valClear(f *Field) {
	f.Value = ""
	f.UserID = 0
	f.Attachments = nil
	for i := range f.Selections {
		f.Selections[i].IsSelected = false
	}
}

// valIsEmptyInput: null, "" and [] are empty; 0 and false are not.
func valIsEmptyInput(raw any) bool {
	switch v := raw.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}

// valText is the text of a string or, leniently, of a number.
func valText(raw any) (string, bool) {
	s, _, ok := valScalar(raw)
	return s, ok
}

// valScalar returns the text of a JSON scalar: a string, or a number (then
// isNum). Booleans, lists and objects are not scalars here. Plain Go
// numbers are accepted too, for callers that decoded without UseNumber.
func valScalar(raw any) (text string, isNum, ok bool) {
	switch v := raw.(type) {
	case string:
		return v, false, true
	case json.Number:
		return string(v), true, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true, true
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), true, true
	case int:
		return strconv.Itoa(v), true, true
	case int32:
		return strconv.FormatInt(int64(v), 10), true, true
	case int64:
		return strconv.FormatInt(v, 10), true, true
	case uint:
		return strconv.FormatUint(uint64(v), 10), true, true
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true, true
	case uint64:
		return strconv.FormatUint(v, 10), true, true
	}
	return "", false, false
}

// valParseID parses a positive integer id.
func valParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// valFindSelection returns the index of the selection raw names: by
// api_name, by id, or by value text. A JSON number is tried as an id first.
func valFindSelection(f *Field, raw any) (int, error) {
	s, isNum, ok := valScalar(raw)
	if !ok {
		return -1, problem.APIName(f.APIName, msgBadOptions)
	}
	if i := valMatchSelection(f.Selections, s, isNum); i >= 0 {
		return i, nil
	}
	return -1, problem.APIName(f.APIName, fmt.Sprintf(msgUnknownOptFm, s))
}

func valMatchSelection(sels []Selection, s string, isNum bool) int {
	id, isID := valParseID(s)
	byID := func() int {
		if isID {
			for i := range sels {
				if sels[i].ID == id {
					return i
				}
			}
		}
		return -1
	}
	if isNum {
		if i := byID(); i >= 0 {
			return i
		}
	} else {
		for i := range sels {
			if sels[i].APIName == s {
				return i
			}
		}
		if i := byID(); i >= 0 {
			return i
		}
	}
	for _, t := range []string{s, strings.TrimSpace(s)} {
		for i := range sels {
			if sels[i].Value == t {
				return i
			}
		}
	}
	return -1
}

// valCheckboxChoice resolves a checkbox value to the set of chosen
// selection indexes.
func valCheckboxChoice(f *Field, raw any) (map[int]bool, error) {
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case []string:
		for _, s := range v {
			items = append(items, s)
		}
	default:
		s, isNum, ok := valScalar(raw)
		if !ok {
			return nil, problem.APIName(f.APIName, msgBadOptions)
		}
		// A single scalar is a one-item list; a form may also send
		// "a, b" when no option's text holds that comma.
		if valMatchSelection(f.Selections, s, isNum) < 0 && !isNum && strings.Contains(s, ",") {
			for _, part := range strings.Split(s, ",") {
				items = append(items, strings.TrimSpace(part))
			}
		} else {
			items = []any{raw}
		}
	}
	chosen := map[int]bool{}
	for _, it := range items {
		i, err := valFindSelection(f, it)
		if err != nil {
			return nil, err
		}
		chosen[i] = true
	}
	return chosen, nil
}

// valFindUser resolves a user id or e-mail to a user of the account; any
// user the Directory knows is accepted (active, invited or deactivated).
// It returns 0, true for a blank form string.
func valFindUser(raw any, dir Directory) (int64, bool) {
	s, _, ok := valScalar(raw)
	if !ok {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if dir == nil {
		return 0, false
	}
	if id, isID := valParseID(s); isID {
		u, found := dir.User(id)
		return u.ID, found && u.ID != 0
	}
	if strings.Contains(s, "@") {
		u, found := dir.UserByEmail(s)
		return u.ID, found && u.ID != 0
	}
	return 0, false
}

// valAttachments resolves a list of attachment ids (a single id is a
// one-item list) to free attachments of the account, without repeats.
func valAttachments(f *Field, raw any, dir Directory) ([]Attachment, error) {
	bad := problem.APIName(f.APIName, msgBadFiles)
	var items []any
	switch v := raw.(type) {
	case []any:
		items = v
	case []string:
		for _, s := range v {
			items = append(items, s)
		}
	default:
		items = []any{raw}
	}
	var out []Attachment
	seen := map[int64]bool{}
	for _, it := range items {
		s, _, ok := valScalar(it)
		if !ok {
			return nil, bad
		}
		if strings.TrimSpace(s) == "" && len(items) == 1 {
			return nil, nil
		}
		id, ok := valParseID(s)
		if !ok {
			return nil, bad
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if dir == nil {
			return nil, problem.APIName(f.APIName, fmt.Sprintf(msgBadFileFm, id))
		}
		a, found := dir.FreeAttachment(id, f.ID)
		if !found {
			return nil, problem.APIName(f.APIName, fmt.Sprintf(msgBadFileFm, id))
		}
		out = append(out, a)
	}
	return out, nil
}

// validURL accepts an absolute URL with a scheme and a host
// ("https://example.com/a", "ftp://host/x"), or a scheme-less address
// whose host is a dotted domain name or an IP ("example.com/x"). It refuses
// spaces, control characters and hostless schemes (mailto:, javascript:).
func validURL(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	schemed := strings.Contains(s, "://")
	if !schemed {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return false
	}
	if !schemed && u.User != nil {
		return false // "mailto:a@example.com" would read as user info
	}
	return validHost(u.Hostname(), !schemed)
}

// validHost checks a URL host: an IP, or a domain name of letters, digits
// and hyphens. needDot asks for at least two labels with a letter TLD, so
// that a bare word is not taken for a scheme-less URL.
func validHost(h string, needDot bool) bool {
	if h == "" {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	if needDot {
		if len(labels) < 2 {
			return false
		}
		tld := labels[len(labels)-1]
		if utf8.RuneCountInString(tld) < 2 {
			return false
		}
		for _, r := range tld {
			if !unicode.IsLetter(r) && r != '-' && !unicode.IsDigit(r) {
				return false
			}
		}
		if strings.IndexFunc(tld, unicode.IsLetter) < 0 {
			return false
		}
	}
	return true
}

// decimal is an exact decimal number: (-1)^neg × digits × 10^exp, digits
// without leading or trailing zeros ("" for zero, then neg is false).
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// maxDecimalText bounds the plain text of a number, so that "1e999999999"
// cannot make us build a huge string.
const maxDecimalText = 1000

// parseDecimal parses a decimal number: optional sign, digits with an
// optional fraction (".5" and "5." allowed), optional exponent. NaN, Inf,
// hex, underscores and surrounding spaces are refused.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var mant []byte
	intDigits, fracDigits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		mant = append(mant, s[i])
		intDigits++
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			mant = append(mant, s[i])
			fracDigits++
			i++
		}
	}
	if intDigits+fracDigits == 0 {
		return decimal{}, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start || i-start > 6 {
			return decimal{}, false
		}
		exp, _ = strconv.Atoi(s[start:i])
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, false
	}
	digits := strings.TrimLeft(string(mant), "0")
	exp -= fracDigits
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	d.digits = trimmed
	d.exp = exp
	if d.digits == "" {
		return decimal{}, true
	}
	if d.textLen() > maxDecimalText {
		return decimal{}, false
	}
	return d, true
}

// textLen is the length of String's result, without building it.
func (d decimal) textLen() int {
	if d.digits == "" {
		return 1
	}
	n := len(d.digits)
	switch {
	case d.exp >= 0:
		n += d.exp
	case -d.exp >= len(d.digits):
		n = 2 + -d.exp
	default:
		n++
	}
	if d.neg {
		n++
	}
	return n
}

// String is the shortest exact plain text: "42", "3.5", "0.001", "-7".
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	switch {
	case d.exp >= 0:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp))
	case -d.exp >= len(d.digits):
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -d.exp-len(d.digits)))
		b.WriteString(d.digits)
	default:
		cut := len(d.digits) + d.exp
		b.WriteString(d.digits[:cut])
		b.WriteByte('.')
		b.WriteString(d.digits[cut:])
	}
	return b.String()
}

// Rat is d as an exact rational.
func (d decimal) Rat() *big.Rat {
	r := new(big.Rat)
	if d.digits == "" {
		return r
	}
	n, _ := new(big.Int).SetString(d.digits, 10)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decAbs(d.exp))), nil)
	if d.exp >= 0 {
		r.SetInt(n.Mul(n, p))
	} else {
		r.SetFrac(n, p)
	}
	if d.neg {
		r.Neg(r)
	}
	return r
}

func decAbs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Bounds of instants we accept: years 1 to 9999, so that every accepted
// date formats with a four-digit year.
var (
	minInstant = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)
