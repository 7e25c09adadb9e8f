package httpapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// instantField reads an instant given as ISO 8601 or Unix seconds, under
// name or name+"_tsp".
func instantField(b body, name string) (time.Time, bool, error) {
	for _, key := range []string{name, name + "_tsp"} {
		v, ok := b[key]
		if !ok || v == nil {
			continue
		}
		switch t := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(t.String(), 64)
			if err != nil || f < 0 || f > 253402300799 {
				return time.Time{}, false, problem.Field(key, "A valid instant is required.")
			}
			return time.UnixMilli(int64(f * 1000)).UTC(), true, nil
		case string:
			if t == "" {
				continue
			}
			ti, err := engine.ParseInstant(t)
			if err != nil {
				return time.Time{}, false, problem.Field(key, "A valid instant is required (ISO 8601 or Unix seconds).")
			}
			return ti.UTC(), true, nil
		default:
			return time.Time{}, false, problem.Field(key, "A valid instant is required.")
		}
	}
	return time.Time{}, false, nil
}

// rawJSON embeds stored JSON text as is.
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}
