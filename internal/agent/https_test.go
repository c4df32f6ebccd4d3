package agent

import "testing"

// TestServerNeedsHTTPS: the agent pairs over https, and over plain http
// only with this computer (development).
func TestServerNeedsHTTPS(t *testing.T) {
	cases := []struct {
		in, want string // want "" means refused
	}{
		{"https://vigil.example.edu/", "https://vigil.example.edu"},
		{"https://203.0.113.5:8443", "https://203.0.113.5:8443"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://localhost:8080/", "http://localhost:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://vigil.example.edu", ""},
		{"http://192.168.1.10:8080", ""},
		{"http://127.0.0.1.evil.example", ""},
		{"http://localhost.evil.example", ""},
		{"ftp://vigil.example.edu", ""},
		{"vigil.example.edu", ""},
	}
	for _, c := range cases {
		got, err := serverURL(c.in)
		if c.want == "" && err == nil {
			t.Errorf("serverURL(%q) = %q, want a refusal", c.in, got)
		}
		if c.want != "" && (err != nil || got != c.want) {
			t.Errorf("serverURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, _, err := ParseLink("vigil-agent://pair?server=http%3A%2F%2Fvigil.example.edu&code=K7QX2M9P"); err == nil {
		t.Error("a pairing link to a plain-http server was accepted")
	}
}
