package httpapi

import "testing"

func TestLogPathHidesUploadSecrets(t *testing.T) {
	cases := map[string]string{
		"/files/upload/12.f.c2VjcmV0c2VjcmV0": "/files/upload/12.f.…",
		"/files/upload/garbage":               "/files/upload/…",
		"/workflows/3":                        "/workflows/3",
	}
	for in, want := range cases {
		if got := logPath(in); got != want {
			t.Errorf("logPath(%q) = %q, want %q", in, got, want)
		}
	}
}
