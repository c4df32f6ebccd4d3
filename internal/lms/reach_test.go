package lms

import (
	"strings"
	"testing"
)

func TestReachHints(t *testing.T) {
	cases := []struct {
		base, product string
		want          []string // substrings, one per hint, in order
	}{
		{"https://vigil.example.edu", "moodle", nil},
		{"https://vigil.example.edu:8443", "moodle", []string{"cURL allowed ports list"}},
		{"https://10.0.0.5", "moodle", []string{"cURL blocked hosts list"}},
		{"http://127.0.0.1:8080", "", []string{"cURL blocked hosts list", "8080", "plain http"}},
		{"https://192.168.1.2:9000", "canvas", []string{"private or loopback", "Some LMSs call only ports 80 and 443"}},
		{"::", "", []string{"not a URL"}},
	}
	for _, c := range cases {
		got := ReachHints(c.base, c.product)
		if len(got) != len(c.want) {
			t.Fatalf("ReachHints(%q, %q) = %q, want %d hints", c.base, c.product, got, len(c.want))
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("ReachHints(%q, %q)[%d] = %q, want it to say %q", c.base, c.product, i, got[i], w)
			}
		}
		if c.product == "canvas" && strings.Contains(strings.Join(got, " "), "Moodle") {
			t.Errorf("a Canvas hint names Moodle's settings: %q", got)
		}
	}
}
