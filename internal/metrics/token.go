package metrics

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// HandlerWithToken serves the metrics only to a request that carries
// "Authorization: Bearer <token>". Metrics tell how many students are
// taking exams and when, so they are not public: with no token set the
// address answers 404 and says how to turn it on.
func (m *Metrics) HandlerWithToken(token string) http.Handler {
	inner := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			http.Error(w, "metrics are off: start Vigil with --metrics-token (or VIGIL_METRICS_TOKEN) and scrape with that bearer token",
				http.StatusNotFound)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil metrics"`)
			http.Error(w, "metrics need the bearer token set with --metrics-token", http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
