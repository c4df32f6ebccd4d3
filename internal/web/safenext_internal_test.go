package web

import "testing"

// TestSafeNext: the post-sign-in redirect goes only to clean paths of this
// site; anything a browser could read as another host becomes "/".
func TestSafeNext(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/courses/3", "/courses/3"},
		{"/exams/1/sessions?tab=video&x=1", "/exams/1/sessions?tab=video&x=1"},
		{"/", "/"},
		{"", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"//evil", "/"},
		{"/\\evil", "/"},
		{"/\\\\evil", "/"},
		{"/a\\b", "/"},
		{"https://evil", "/"},
		{"%2F%2Fevil", "/"},
		{"evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/\x00", "/"},
		{"/\x7f", "/"},
	}
	for _, c := range cases {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
