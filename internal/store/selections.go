package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// parseSelections reads a field's stored selections. The column holds what
// selectionsJSON wrote, json.Marshal of []engine.Selection; that exact form
// is read by hand (encoding/json's reflection was a sixth of a workflow
// load's CPU), anything else (escapes in a string, other spacing, a
// database filled by another writer) by encoding/json.
// FuzzParseSelections holds the two equal.
func parseSelections(s string) ([]engine.Selection, error) {
	if out, ok := parseSelectionsFast(s); ok {
		return out, nil
	}
	var out []engine.Selection
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

func parseSelectionsFast(s string) ([]engine.Selection, bool) {
	p := selParser{s: s}
	if s == "null" {
		return nil, true
	}
	if !p.lit("[") {
		return nil, false
	}
	out := []engine.Selection{}
	if p.lit("]") {
		return out, p.i == len(s)
	}
	for {
		var sel engine.Selection
		var ok bool
		if !p.lit(`{"id":`) {
			return nil, false
		}
		if sel.ID, ok = p.int(); !ok || !p.lit(`,"api_name":`) {
			return nil, false
		}
		if sel.APIName, ok = p.str(); !ok || !p.lit(`,"value":`) {
			return nil, false
		}
		if sel.Value, ok = p.str(); !ok || !p.lit(`,"is_selected":`) {
			return nil, false
		}
		switch {
		case p.lit("true}"):
			sel.IsSelected = true
		case p.lit("false}"):
		default:
			return nil, false
		}
		out = append(out, sel)
		if p.lit("]") {
			return out, p.i == len(s)
		}
		if !p.lit(",") {
			return nil, false
		}
	}
}

type selParser struct {
	s string
	i int
}

func (p *selParser) lit(l string) bool {
	if strings.HasPrefix(p.s[p.i:], l) {
		p.i += len(l)
		return true
	}
	return false
}

// int reads an integer as json.Marshal writes one: an optional minus and
// digits without a leading zero.
func (p *selParser) int() (int64, bool) {
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	d := j
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == d || (p.s[d] == '0' && j-d > 1) {
		return 0, false
	}
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil {
		return 0, false
	}
	p.i = j
	return n, true
}

// str reads a string without escapes or control characters; one with them
// is left to encoding/json. Invalid UTF-8 is too (encoding/json replaces
// it).
func (p *selParser) str() (string, bool) {
	if !p.lit(`"`) {
		return "", false
	}
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == '"' {
			break
		}
		if c == '\\' || c < 0x20 {
			return "", false
		}
		j++
	}
	if j == len(p.s) {
		return "", false
	}
	v := p.s[p.i:j]
	if !validUTF8(v) {
		return "", false
	}
	p.i = j + 1
	return v, true
}

func validUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return utf8.ValidString(s[i:])
		}
	}
	return true
}
