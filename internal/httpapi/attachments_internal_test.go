package httpapi

import "testing"

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"report.pdf", `attachment; filename="report.pdf"`},
		{`a "quoted" \ name.txt`, `attachment; filename="a \"quoted\" \\ name.txt"`},
		{"résumé.pdf", `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`},
		{"日本 (1);x=y.png", `attachment; filename="__ (1);x=y.png"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%20%281%29%3Bx%3Dy.png`},
	} {
		if got := contentDisposition(c.name); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
