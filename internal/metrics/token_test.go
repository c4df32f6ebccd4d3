package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMetricsNeedTheToken: metrics are served only with the bearer token,
// and not at all when none is set.
func TestMetricsNeedTheToken(t *testing.T) {
	m := New()
	m.ObserveAnalysisLag(time.Second)
	scrape := func(h http.Handler, auth string) (int, string) {
		t.Helper()
		hs := httptest.NewServer(h)
		defer hs.Close()
		req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	cases := []struct {
		token, auth string
		want        int
	}{
		{"", "", http.StatusNotFound},
		{"", "Bearer ", http.StatusNotFound},
		{"s3cret-token", "", http.StatusUnauthorized},
		{"s3cret-token", "Bearer wrong", http.StatusUnauthorized},
		{"s3cret-token", "Basic s3cret-token", http.StatusUnauthorized},
		{"s3cret-token", "Bearer s3cret-token", http.StatusOK},
	}
	for _, c := range cases {
		status, body := scrape(m.HandlerWithToken(c.token), c.auth)
		if status != c.want {
			t.Errorf("token %q, Authorization %q: %d, want %d", c.token, c.auth, status, c.want)
		}
		if leaked := strings.Contains(body, "vigil_analysis_lag_seconds"); leaked != (c.want == http.StatusOK) {
			t.Errorf("token %q, Authorization %q: metrics in the body %v", c.token, c.auth, leaked)
		}
	}
}
