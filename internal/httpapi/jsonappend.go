package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Hand-written JSON for the most read answer, the inbox page: the bytes
// encoding/json writes for the same values (HTML escaping off, as
// writeJSON), without its reflection, which was 8% of an inbox read's CPU.
// TestTaskListJSONMatchesEncodingJSON and FuzzAppendString hold the two
// equal.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: control characters, quotes and
// backslashes escaped, invalid UTF-8 as U+FFFD, and U+2028 and U+2029
// escaped (JavaScript reads them as line ends), as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendFloatPtr writes a float as encoding/json does; the exponent form
// (below 1e-6 or from 1e21) is left to encoding/json itself.
func appendFloatPtr(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, "null"...)
	}
	if a := math.Abs(*f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(*f) || math.IsInf(*f, 0) {
		j, err := json.Marshal(*f)
		if err != nil {
			return append(b, "null"...) // NaN and infinities have no JSON form
		}
		return append(b, j...)
	}
	return strconv.AppendFloat(b, *f, 'f', -1, 64)
}

// appendTaskList appends the envelope of an inbox page and a newline (as
// json.Encoder ends a value): what encoding/json writes for the page's
// taskListItemOut values.
func appendTaskList(b []byte, e envelope, items []store.TaskListItem) []byte {
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(e.Count), 10)
	b = append(b, `,"next":`...)
	b = appendStringPtr(b, e.Next)
	b = append(b, `,"previous":`...)
	b = appendStringPtr(b, e.Previous)
	b = append(b, `,"results":[`...)
	for i := range items {
		it := &items[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, it.ID, 10)
		b = append(b, `,"name":`...)
		b = appendString(b, it.Name)
		b = append(b, `,"workflow_name":`...)
		b = appendString(b, it.WorkflowName)
		b = append(b, `,"workflow_id":`...)
		b = strconv.AppendInt(b, it.WorkflowID, 10)
		b = append(b, `,"due_date":`...)
		b = appendISO(b, it.DueDate)
		b = append(b, `,"due_date_tsp":`...)
		b = appendTsp(b, it.DueDate)
		b = append(b, `,"date_started":`...)
		b = appendISO(b, it.DateStarted)
		b = append(b, `,"date_started_tsp":`...)
		b = appendTsp(b, it.DateStarted)
		b = append(b, `,"template_id":`...)
		b = strconv.AppendInt(b, it.TemplateID, 10)
		b = append(b, `,"template_task_id":`...)
		b = strconv.AppendInt(b, it.TemplateTaskID, 10)
		b = append(b, `,"is_urgent":`...)
		b = strconv.AppendBool(b, it.IsUrgent)
		b = append(b, `,"status":`...)
		b = appendString(b, it.Status)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// appendISO writes iso(t) as a JSON string: 2006-01-02T15:04:05.000Z, by
// hand for the years of four digits.
func appendISO(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	u := t.UTC()
	y, mo, d := u.Date()
	if y < 0 || y > 9999 {
		return appendString(b, *iso(t))
	}
	h, mi, sec := u.Clock()
	ms := u.Nanosecond() / 1e6
	b = append(b, '"')
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T')
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}

// appendTsp writes tsp(t).
func appendTsp(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	v := float64(t.UnixMilli()) / 1000
	return appendFloatPtr(b, &v)
}

// writeJSONBytes answers a body already encoded.
func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
