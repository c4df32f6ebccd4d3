//go:build linux

package agent_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/agent"
	"vigil/internal/agent/desktop"
	"vigil/internal/proctor"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestAgentOnARealDesktop runs the agent on a real X desktop against a
// real Vigil: it pairs by code, reports a blacklisted app, another app in
// front and the second monitor, the rules decide Blacklisted Apps and
// Online Aid from them, and the agent stops when the session ends.
func TestAgentOnARealDesktop(t *testing.T) {
	d := startDesktop(t)
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	c := &api{t: t, base: srv.URL}
	var started struct {
		SessionID int64  `json:"session_id"`
		Token     string `json:"token"`
	}
	c.call("POST", "/api/v1/sessions", "application/json", []byte(`{"link":"`+srv.Link(t, f, 0)+`"}`), &started)
	c.id, c.token = started.SessionID, started.Token
	jpeg, _ := media.FS.ReadFile("webcam320/biden_headshoulders.jpg")
	if st := c.call("PUT", c.session("/frames/0"), "image/jpeg", jpeg, nil); st != 200 {
		t.Fatal("the first frame (the exam begins) was refused")
	}

	_, browser := d.window(t, "chromium", "Quiz - Chromium")
	d.activate(t, browser)
	var code struct{ Code string }
	if st := c.call("POST", c.session("/pairing"), "application/json", []byte(`{"kind":"agent"}`), &code); st != 201 {
		t.Fatal("no pairing code")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	paired, err := agent.Pair(ctx, http.DefaultClient, srv.URL, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := desktop.New()
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	out := &syncBuffer{}
	a := &agent.Agent{Server: srv.URL, Paired: paired, Reader: reader, Out: out,
		Look: 200 * time.Millisecond, Report: 500 * time.Millisecond, Refresh: time.Second}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the agent to connect", func() bool {
		var st map[string]ingestState
		c.call("GET", c.session("/companions"), "", nil, &st)
		return st["agent"].Connected
	})

	// Each step waits until the agent's report of it reached Vigil.
	discord, _ := d.window(t, "discord", "Discord - #answers") // a blacklisted app starts (and takes the front)
	running := waitEvent(t, srv, c.id, proctor.EventApp, "discord", "running", time.Time{})
	front := waitEvent(t, srv, c.id, proctor.EventForeground, "discord", "", time.Time{})
	d.activate(t, browser)
	back := waitEvent(t, srv, c.id, proctor.EventForeground, "chromium", "", front)
	d.window(t, "gedit", "answers.txt - gedit") // another app in front for 3 s
	gedit := waitEvent(t, srv, c.id, proctor.EventForeground, "gedit", "", back)
	waitReportAfter(t, srv, c.id, gedit.Add(3*time.Second))
	d.activate(t, browser)
	waitEvent(t, srv, c.id, proctor.EventForeground, "chromium", "", gedit)
	discord.Process.Kill()
	discord.Wait()
	waitEvent(t, srv, c.id, proctor.EventApp, "discord", "stopped", running)

	if st := c.call("POST", c.session("/finish"), "application/json", []byte(`{"frames":1}`), nil); st != 200 {
		t.Fatal("finish refused")
	}
	select {
	case err := <-done:
		if !errors.Is(err, agent.ErrSessionEnded) {
			t.Fatalf("the agent ended with %v, want the session's end", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the agent still runs 15 s after the session ended")
	}
	console := out.String()
	for _, want := range []string{"no other app's name leaves this computer", "keeps nothing on disk", "The session ended"} {
		if !strings.Contains(console, want) {
			t.Errorf("the agent never said %q:\n%s", want, console)
		}
	}
	checkVerdict(t, srv, c.id)
}

// waitEvent waits until Vigil holds an agent event of a kind about an app
// (in a state, when given) that the agent saw after a time, and returns
// when the agent saw it.
func waitEvent(t *testing.T, srv *testserver.Server, sid int64, kind proctor.EventKind, app, state string, after time.Time) time.Time {
	t.Helper()
	var at time.Time
	waitFor(t, fmt.Sprintf("the agent to report %s %s %s", kind, app, state), func() bool {
		events, err := srv.Store.ListEvents(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Kind == kind && e.Name == app && (state == "" || string(e.AppState) == state) && e.At.After(after) {
				at = e.At
				return true
			}
		}
		return false
	})
	return at
}

// waitReportAfter waits until the agent has reported at or after a time:
// what it saw in front then is still in front, since a change would have
// been an event.
func waitReportAfter(t *testing.T, srv *testserver.Server, sid int64, at time.Time) {
	t.Helper()
	waitFor(t, "an agent report after "+at.Format(time.RFC3339Nano), func() bool {
		times, err := srv.Store.ListEventBatchTimes(context.Background(), sid, "agent")
		if err != nil {
			t.Fatal(err)
		}
		return len(times) > 0 && !times[len(times)-1].Before(at)
	})
}

// ingestState is a companion's state as the proctoring window reads it.
type ingestState struct {
	Paired, Connected bool
}

func checkVerdict(t *testing.T, srv *testserver.Server, sid int64) {
	t.Helper()
	srv.WaitAnalysed(t, sid)
	events, err := srv.Store.ListEvents(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	defaults := proctor.DefaultSettings()
	for _, e := range events {
		t.Logf("event %s %s %q %q %s %d", e.Source, e.Kind, e.Name, e.Title, e.AppState, e.Count)
		if e.Kind == proctor.EventForeground && e.Name == "chromium" && e.Title != "" {
			t.Errorf("the browser's title was sent: %q", e.Title)
		}
		if e.Kind == proctor.EventApp && !defaults.AppReported(e.Name) {
			t.Errorf("an unlisted app's name left the computer: %q", e.Name)
		}
	}
	vs, err := srv.Store.ListViolations(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range vs {
		t.Logf("violation %s %s applied=%v %s (%s) %v", v.Type, v.Rule, v.Applied, v.Detail, v.Reason, v.End.Sub(v.Start))
		switch {
		case v.Type == proctor.OnlineAid && v.Applied && v.Cause == proctor.CauseOtherApp && strings.Contains(v.Detail, "gedit") && strings.Contains(v.Detail, "answers.txt"):
			found["online aid: gedit in front"] = true
		case v.Rule == "apps.blacklisted_apps" && v.Applied && strings.EqualFold(v.Detail, "discord") && v.End.After(v.Start):
			found["blacklisted app: discord, running then stopped"] = true
		case v.Rule == "apps.multiple_screens" && v.Applied:
			found["two displays"] = true
		}
	}
	for _, want := range []string{"online aid: gedit in front", "blacklisted app: discord, running then stopped", "two displays"} {
		if !found[want] {
			t.Errorf("no violation for %s", want)
		}
	}
}
