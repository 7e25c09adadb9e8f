package duration

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"90", 90 * time.Second},
		{"0", 0},
		{" 90 ", 90 * time.Second},
		{"10:00", 10 * time.Minute},
		{"01:30:00", 90 * time.Minute},
		{"1:2:3", time.Hour + 2*time.Minute + 3*time.Second},
		{"90:00", 90 * time.Minute},
		{"48:00:00", 48 * time.Hour},
		{"1 00:00:00", day},
		{"2 03:04:05", 2*day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"1 10:00", day + 10*time.Minute},
		{"1 5", day + 5*time.Second},
		{"1 day, 02:00:00", day + 2*time.Hour},
		{"3 days, 0:00:00", 3 * day},
		{"3 days 04:05:06", 3*day + 4*time.Hour + 5*time.Minute + 6*time.Second},
		{"3 days", 3 * day},
		{"1 day", day},
		{"90.5", 90*time.Second + 500*time.Millisecond},
		{"00:00:01.000001", time.Second + time.Microsecond},
		{"1.123456789", time.Second + 123456789},
		{"P1DT2H", day + 2*time.Hour},
		{"PT90S", 90 * time.Second},
		{"P2D", 2 * day},
		{"P1W", 7 * day},
		{"P1W2D", 9 * day},
		{"PT1H30M", 90 * time.Minute},
		{"PT1.5S", 1500 * time.Millisecond},
		{"PT0,5H", 30 * time.Minute},
		{"P0.5D", 12 * time.Hour},
		{"p1dt2h", day + 2*time.Hour},
		{"PT0S", 0},
		{"106751 23:47:16.854775807", math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"   ", ErrSyntax},
		{"abc", ErrSyntax},
		{"1:2:3:4", ErrSyntax},
		{"-5", ErrNegative},
		{"-01:00:00", ErrNegative},
		{"1 -01:00:00", ErrNegative},
		{"P-1D", ErrNegative},
		{"+5", ErrSyntax},
		{"1:", ErrSyntax},
		{":30", ErrSyntax},
		{"1::2", ErrSyntax},
		{"1.", ErrSyntax},
		{".5", ErrSyntax},
		{"1.1234567890", ErrSyntax},
		{"10:00.5.5", ErrSyntax},
		{"1:30.5:00", ErrSyntax},
		{"1  00:00:00", ErrSyntax},
		{"x 00:00:00", ErrSyntax},
		{"1 weeks", ErrSyntax},
		{"P", ErrSyntax},
		{"PT", ErrSyntax},
		{"P1DT", ErrSyntax},
		{"P1Y", ErrSyntax},
		{"P1M", ErrSyntax},
		{"PT1S2M", ErrSyntax},
		{"P1D1W", ErrSyntax},
		{"PT1H1H", ErrSyntax},
		{"PTH", ErrSyntax},
		{"P1D2", ErrSyntax},
		{"１０", ErrSyntax},
		{"99999999999999999999", ErrRange},
		{"106752 00:00:00", ErrRange},
		{"106751 23:47:16.854775808", ErrRange},
		{"9999999999999:00:00", ErrRange},
		{"P99999999999999999D", ErrRange},
		{"P99999999999999999999D", ErrRange},
		{"PT9223372037S", ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, got)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q): %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "00:00:00"},
		{90 * time.Second, "00:01:30"},
		{90 * time.Minute, "01:30:00"},
		{day, "1 00:00:00"},
		{2*day + 3*time.Hour + 4*time.Minute + 5*time.Second, "2 03:04:05"},
		{day + 2*time.Hour, "1 02:00:00"},
		{23*time.Hour + 59*time.Minute + 59*time.Second, "23:59:59"},
		{1500 * time.Millisecond, "00:00:01.500000"},
		{time.Second + 1, "00:00:01.000000001"},
		{-5 * time.Second, "-00:00:05"},
		{math.MaxInt64, "106751 23:47:16.854775807"},
		{math.MinInt64, "-106751 23:47:16.854775808"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Microsecond, time.Second, 59 * time.Second, time.Hour,
		day - 1, day, 400 * day, 3*day + 7*time.Hour + 1234*time.Millisecond, math.MaxInt64} {
		got, err := Parse(Format(d))
		if err != nil || got != d {
			t.Errorf("Parse(Format(%d)) = %d, %v", int64(d), int64(got), err)
		}
	}
	// Inputs in other spellings come back in the canonical one.
	for in, want := range map[string]string{"90": "00:01:30", "P1DT2H": "1 02:00:00", "1:2:3": "01:02:03",
		"1 day, 0:00:00": "1 00:00:00", "25:00:00": "1 01:00:00"} {
		d, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := Format(d); got != want {
			t.Errorf("Format(Parse(%q)) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"90", "10:00", "01:30:00", "1 00:00:00", "2 03:04:05", "1 day, 02:00:00",
		"3 days", "90.5", "P1DT2H", "PT90S", "P2D", "PT0,5H", "-5", "abc", "1:2:3:4", "", "P", "PT",
		"106751 23:47:16.854775807", "99999999999999999999", "1 ", "P1W2DT3H4M5.6S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("Parse(%q) = %v: negative", s, d)
		}
		again, err := Parse(Format(d))
		if err != nil {
			t.Fatalf("Parse(Format(%v)) = %q: %v", d, Format(d), err)
		}
		if again != d {
			t.Fatalf("Parse(Format(Parse(%q))) = %v, want %v", s, again, d)
		}
	})
}
