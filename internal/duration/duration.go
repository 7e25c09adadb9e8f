// Package duration parses and formats the durations of task delays and due
// dates: the Django style "[DD ][[HH:]MM:]SS[.ffffff]" that the public API
// uses, plus ISO 8601 ("P1DT2H"). It is pure code.
package duration

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Errors returned by Parse, wrapped with the offending input.
var (
	// ErrSyntax: the text is not a duration in any accepted form.
	ErrSyntax = errors.New("wrong duration format")
	// ErrNegative: negative durations are refused (upstream accepts them
	// and they expire at once, which is never what a client meant).
	ErrNegative = errors.New("negative duration")
	// ErrRange: the duration does not fit a time.Duration (about 292 years).
	ErrRange = errors.New("duration out of range")
)

const day = 24 * time.Hour

// Parse reads a non-negative duration. Accepted forms:
//
//   - "[DD ][[HH:]MM:]SS[.fffffffff]": "90" is 90 s, "10:00" ten minutes,
//     "01:30:00" 90 minutes, "1 00:00:00" one day; components may exceed 59.
//     Python's str(timedelta) spelling "1 day, 02:00:00" and the Postgres
//     one "3 days 04:05:06" (or just "3 days") are accepted too.
//   - ISO 8601 "P[nW][nD][T[nH][nM][nS]]" with optional fractions ("PT1.5S").
//     Years and months are refused: their length is not fixed.
//
// Surrounding white space is ignored. Empty, negative, malformed and
// overflowing inputs are errors.
func Parse(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrSyntax)
	}
	if strings.ContainsRune(s, '-') {
		return 0, fmt.Errorf("%w: %q", ErrNegative, s)
	}
	var (
		d   time.Duration
		err error
	)
	if s[0] == 'P' || s[0] == 'p' {
		d, err = parseISO(s[1:])
	} else {
		d, err = parseClock(s)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %q", err, s)
	}
	return d, nil
}

// parseClock reads "[DD ][[HH:]MM:]SS[.f]" and its day-word variants.
func parseClock(s string) (time.Duration, error) {
	var total time.Duration
	if i := strings.IndexByte(s, ' '); i >= 0 {
		days, err := digits(s[:i])
		if err != nil {
			return 0, err
		}
		rest := s[i+1:]
		// Day words: "1 day, 00:00:00", "2 days 00:00:00", "3 days".
		worded := false
		for _, w := range []string{"days, ", "day, ", "days ", "day "} {
			if strings.HasPrefix(rest, w) {
				rest, worded = rest[len(w):], true
				break
			}
		}
		if !worded && (rest == "days" || rest == "day") {
			rest, worded = "", true
		}
		if total, err = scale(days, day); err != nil {
			return 0, err
		}
		if rest == "" {
			if !worded {
				return 0, ErrSyntax
			}
			return total, nil
		}
		s = rest
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, ErrSyntax
	}
	units := []time.Duration{time.Second, time.Minute, time.Hour}
	for i := range parts {
		part := parts[len(parts)-1-i] // seconds first
		var (
			v   time.Duration
			err error
		)
		if i == 0 {
			v, err = decimal(part, time.Second, '.')
		} else {
			var n uint64
			if n, err = digits(part); err == nil {
				v, err = scale(n, units[i])
			}
		}
		if err != nil {
			return 0, err
		}
		if total, err = add(total, v); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// parseISO reads what follows the "P" of an ISO 8601 duration.
func parseISO(s string) (time.Duration, error) {
	date, clock, hasT := strings.Cut(s, "T")
	if !hasT {
		date, clock, hasT = strings.Cut(s, "t")
	}
	if hasT && clock == "" {
		return 0, ErrSyntax // "P1DT" names a time part and gives none
	}
	var total time.Duration
	seen := 0
	read := func(part string, designators string, units []time.Duration) error {
		next := 0 // designators must come in order, each at most once
		for part != "" {
			i := strings.IndexAny(part, designators+strings.ToLower(designators))
			if i <= 0 {
				return ErrSyntax
			}
			k := strings.IndexByte(designators, upper(part[i]))
			if k < next {
				return ErrSyntax
			}
			next = k + 1
			v, err := decimal(part[:i], units[k], '.', ',')
			if err != nil {
				return err
			}
			if total, err = add(total, v); err != nil {
				return err
			}
			seen++
			part = part[i+1:]
		}
		return nil
	}
	if err := read(date, "WD", []time.Duration{7 * day, day}); err != nil {
		return 0, err
	}
	if err := read(clock, "HMS", []time.Duration{time.Hour, time.Minute, time.Second}); err != nil {
		return 0, err
	}
	if seen == 0 {
		return 0, ErrSyntax
	}
	return total, nil
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// digits parses a non-empty run of ASCII digits.
func digits(s string) (uint64, error) {
	if s == "" {
		return 0, ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrSyntax
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, ErrRange
	}
	return n, nil
}

// decimal parses "N" or "N<sep>F" (F: 1..9 digits) as a count of unit.
func decimal(s string, unit time.Duration, seps ...byte) (time.Duration, error) {
	intPart, frac := s, ""
	for _, sep := range seps {
		if i := strings.IndexByte(s, sep); i >= 0 {
			intPart, frac = s[:i], s[i+1:]
			if frac == "" || len(frac) > 9 {
				return 0, ErrSyntax
			}
			break
		}
	}
	n, err := digits(intPart)
	if err != nil {
		return 0, err
	}
	whole, err := scale(n, unit)
	if err != nil {
		return 0, err
	}
	if frac == "" {
		return whole, nil
	}
	f, err := digits(frac)
	if err != nil {
		return 0, err
	}
	for i := len(frac); i < 9; i++ {
		f *= 10
	}
	// f/1e9 of a unit, exactly: hi is tiny because f < 1e9, so Div64 is safe.
	hi, lo := bits.Mul64(f, uint64(unit))
	part, _ := bits.Div64(hi, lo, 1e9)
	if part > math.MaxInt64 {
		return 0, ErrRange
	}
	return add(whole, time.Duration(part))
}

// scale is n*unit with an overflow check.
func scale(n uint64, unit time.Duration) (time.Duration, error) {
	if n > uint64(math.MaxInt64/unit) {
		return 0, ErrRange
	}
	return time.Duration(n) * unit, nil
}

// add is a+b for non-negative a, b with an overflow check.
func add(a, b time.Duration) (time.Duration, error) {
	if a > math.MaxInt64-b {
		return 0, ErrRange
	}
	return a + b, nil
}

// Format renders d as "D HH:MM:SS", the "D " part omitted when there are no
// whole days ("00:01:30", "1 00:00:00", "2 03:04:05"). A sub-second part is
// kept (".ffffff", or nine digits when finer than a microsecond) so that
// Parse(Format(d)) == d. Negative durations get a leading "-", which Parse
// refuses.
func Format(d time.Duration) string {
	neg := d < 0
	u := uint64(d)
	if neg {
		u = uint64(-(d + 1)) + 1 // -d overflows for math.MinInt64
	}
	ns := u % 1e9
	secs := u / 1e9
	days := secs / 86400
	secs %= 86400
	out := fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
	switch {
	case ns == 0:
	case ns%1000 == 0:
		out += fmt.Sprintf(".%06d", ns/1000)
	default:
		out += fmt.Sprintf(".%09d", ns)
	}
	if days > 0 {
		out = strconv.FormatUint(days, 10) + " " + out
	}
	if neg {
		out = "-" + out
	}
	return out
}
