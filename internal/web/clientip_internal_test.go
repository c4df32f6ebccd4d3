package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIP: X-Forwarded-For is believed only from a trusted proxy, and
// only back to the first address the proxies did not add themselves.
func TestClientIP(t *testing.T) {
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}
	cases := []struct {
		peer, xff string
		trusted   []netip.Prefix
		want      string
	}{
		{"203.0.113.9:5000", "", lb, "203.0.113.9"},
		{"203.0.113.9:5000", "1.2.3.4", lb, "203.0.113.9"},             // not from the proxy: header ignored
		{"10.0.0.5:5000", "198.51.100.7", lb, "198.51.100.7"},          // the client, as the proxy saw it
		{"10.0.0.5:5000", "6.6.6.6, 198.51.100.7", lb, "198.51.100.7"}, // a forged first hop is not believed
		{"10.0.0.5:5000", "198.51.100.7, 10.0.0.6", lb, "198.51.100.7"},
		{"10.0.0.5:5000", "junk", lb, "10.0.0.5"},
		{"10.0.0.5:5000", "198.51.100.7", nil, "10.0.0.5"}, // no proxies configured
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientIP(r, c.trusted); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
