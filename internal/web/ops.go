package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"vigil/internal/blob"
)

// Schema tells the migration the database is at and the one this binary
// needs.
type Schema interface {
	SchemaVersion(ctx context.Context) (have, want int, err error)
}

// CheckReady reports whether a process can do its work: the database
// answers at the schema this binary needs, the media store answers, and
// each of more passes (the free space a serving process keeps).
func CheckReady(ctx context.Context, st Schema, b blob.Bucket, more ...func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	have, want, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if have != want {
		return fmt.Errorf("database schema is at version %d, this vigil needs %d", have, want)
	}
	if _, err := b.Stat(ctx, "readyz/probe"); err != nil && !errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("media store: %w", err)
	}
	for _, check := range more {
		if err := check(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ReadyHandler answers 200 when CheckReady passes, else 503 with why (a
// load balancer takes the process out of rotation meanwhile).
func ReadyHandler(st Schema, b blob.Bucket, more ...func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Cache-Control", "no-store")
		if err := CheckReady(r.Context(), st, b, more...); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		w.Write([]byte("ready\n"))
	}
}

// observeAPI feeds a capture-API request's time and result to the
// metrics, labelled by its route pattern (a bounded set).
func (s *Server) observeAPI(r *http.Request, status int, d time.Duration) {
	if s.Metrics == nil || !strings.HasPrefix(r.URL.Path, "/api/") {
		return
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.Metrics.ObserveIngest(route, status, d)
}
