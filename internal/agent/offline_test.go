// The test server needs ONNX Runtime through cgo, which a cross-build
// for Windows lacks.

//go:build !windows

package agent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/agent"
	"vigil/internal/agent/desktop"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// scripted is a computer whose running apps the test sets.
type scripted struct {
	mu    sync.Mutex
	apps  []string
	looks int // calls of Processes so far
}

// set changes the running apps and returns how many looks came before.
func (s *scripted) set(apps ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = apps
	return s.looks
}

// lookedSince reports whether the agent read the apps after look n.
func (s *scripted) lookedSince(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.looks > n
}

func (s *scripted) Processes() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.looks++
	return append([]string(nil), s.apps...), nil
}
func (s *scripted) Foreground() (desktop.Window, error) { return desktop.Window{App: "firefox"}, nil }
func (s *scripted) Displays() (int, error)              { return 1, nil }
func (s *scripted) VirtualMachine() (string, error)     { return "", nil }
func (s *scripted) Close() error                        { return nil }

// TestAgentQueuesWhileOffline: with the network down the agent keeps what
// it sees in memory and sends it, in order and once, when Vigil is back.
func TestAgentQueuesWhileOffline(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	target, _ := url.Parse(srv.URL)
	var down atomic.Bool
	var refused atomic.Int64 // requests answered "offline"
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			refused.Add(1)
			http.Error(w, "offline", http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	c := &api{t: t, base: srv.URL}
	var started struct {
		SessionID int64  `json:"session_id"`
		Token     string `json:"token"`
	}
	c.call("POST", "/api/v1/sessions", "application/json", []byte(`{"link":"`+srv.Link(t, f, 0)+`"}`), &started)
	c.id, c.token = started.SessionID, started.Token
	var code struct{ Code string }
	c.call("POST", c.session("/pairing"), "application/json", []byte(`{"kind":"agent"}`), &code)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	paired, err := agent.Pair(ctx, http.DefaultClient, front.URL, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	pc := &scripted{}
	a := &agent.Agent{Server: front.URL, Paired: paired, Reader: pc, Out: &syncBuffer{},
		Look: 100 * time.Millisecond, Report: 200 * time.Millisecond, Refresh: time.Hour}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the agent's first batch", func() bool {
		next, _ := srv.Store.NextEventBatch(ctx, c.id, "agent")
		return next > 0
	})
	down.Store(true)
	waitFor(t, "an upload refused by the outage", func() bool { return refused.Load() > 0 })
	looks := pc.set("zoom")
	waitFor(t, "the agent to see zoom running", func() bool { return pc.lookedSince(looks) })
	looks = pc.set()
	waitFor(t, "the agent to see zoom stopped", func() bool { return pc.lookedSince(looks) })
	tries := refused.Load()
	waitFor(t, "another upload refused while zoom's events wait", func() bool { return refused.Load() > tries })
	down.Store(false)

	var states []string
	waitFor(t, "zoom's events to arrive after the outage", func() bool {
		states = appStates(t, srv, c.id)
		return len(states) >= 2
	})
	if len(states) != 2 || states[0] != "zoom running" || states[1] != "zoom stopped" {
		t.Fatalf("app events after the outage: %v", states)
	}
	times, _ := srv.Store.ListEventBatchTimes(ctx, c.id, "agent")
	next, _ := srv.Store.NextEventBatch(ctx, c.id, "agent")
	if int64(len(times)) != next {
		t.Fatalf("%d batches stored, numbered up to %d: a gap or a repeat", len(times), next)
	}
	c.call("POST", c.session("/finish"), "application/json", []byte(`{}`), nil)
	select {
	case err := <-done:
		if !errors.Is(err, agent.ErrSessionEnded) {
			t.Fatalf("agent ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not stop after the session ended")
	}
}

// appStates lists the session's app events as "name state", in order.
func appStates(t *testing.T, srv *testserver.Server, sid int64) []string {
	t.Helper()
	events, err := srv.Store.ListEvents(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, e := range events {
		if e.Kind == proctor.EventApp {
			states = append(states, e.Name+" "+e.AppState)
		}
	}
	return states
}
