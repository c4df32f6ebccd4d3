// The test server needs ONNX Runtime through cgo, which a cross-build
// for Windows lacks.

//go:build !windows

package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"vigil/internal/ingestclient"
	"vigil/internal/testwait"
)

// api is the proctoring window's side of the API, through the ingest
// client without retries.
type api struct {
	t     *testing.T
	base  string
	id    int64
	token string
}

// call sends one request and returns the answer's status; a refusal is
// logged for the test to judge by the status.
func (a *api) call(method, path, ctype string, body []byte, out any) int {
	a.t.Helper()
	status := 0
	c := &ingestclient.Client{Base: a.base, HTTP: http.DefaultClient, Observe: func(at ingestclient.Attempt) { status = at.Status }}
	req := ingestclient.Request{Method: method, Path: path, Token: a.token, ContentType: ctype, Body: body,
		Header: map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}}
	if err := c.Do(context.Background(), req, out); err != nil {
		if status == 0 {
			a.t.Fatal(err)
		}
		a.t.Logf("%s %s: %v", method, path, err)
	}
	return status
}

func (a *api) session(path string) string { return fmt.Sprintf("/api/v1/sessions/%d%s", a.id, path) }

// syncBuffer is the agent's console, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls a condition for up to 15 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	testwait.Until(t, what, 15*time.Second, ok)
}
