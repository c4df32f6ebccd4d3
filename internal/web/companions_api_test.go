package web_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/testserver"
)

// pairingCode asks the proctoring window's endpoint for a code.
func pairingCode(t *testing.T, c client, s started, kind string) string {
	t.Helper()
	r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/pairing", s.id), s.token, "application/json", nil, []byte(`{"kind":"`+kind+`"}`))
	if r.status != 201 || len(r.body["code"].(string)) != 8 {
		t.Fatalf("pairing code: %d %s", r.status, r.raw)
	}
	return r.body["code"].(string)
}

func pair(c client, code, kind string) resp {
	body, _ := json.Marshal(map[string]string{"code": code, "kind": kind})
	return c.do("POST", "/api/v1/pair", "", "application/json", nil, body)
}

func eventsJSON(events ...string) []byte {
	return []byte(`{"events":[` + strings.Join(events, ",") + `]}`)
}

func foreground(name string) string {
	return fmt.Sprintf(`{"kind":"foreground","at":%q,"name":%q,"title":"a window"}`, time.Now().UTC().Format(time.RFC3339Nano), name)
}

// TestPairingRefusesBadCodes: a wrong, malformed, used or expired code, or
// one for the other companion, is refused with the API's error shape; the
// right one pairs once.
func TestPairingRefusesBadCodes(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 1, nil)
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))

	r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/pairing", s.id), s.token, "application/json", nil, []byte(`{"kind":"phone"}`))
	if r.status != 400 || r.code() != "invalid_request" {
		t.Fatalf("pairing code of an unknown kind: %d %s", r.status, r.raw)
	}
	code := pairingCode(t, c, s, "agent")
	for _, tc := range []struct {
		name, code, kind, want string
		status                 int
	}{
		{"wrong code", "ABCDEFGH", "agent", "invalid_token", 401},
		{"malformed code", "0O1I-!!", "agent", "invalid_token", 401},
		{"unknown kind", code, "phone", "invalid_request", 400},
		{"code of the other companion", code, "extension", "invalid_request", 400},
	} {
		if r := pair(c, tc.code, tc.kind); r.status != tc.status || r.code() != tc.want || r.body["error"].(map[string]any)["request_id"] == "" {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.want)
		}
	}
	r = pair(c, strings.ToLower(code[:4])+"-"+code[4:], "agent") // as a student may type it
	if r.status != 200 || r.body["token"] == "" || int64(r.body["session_id"].(float64)) != s.id || r.body["student"] != "Ada Student" {
		t.Fatalf("pair: %d %s", r.status, r.raw)
	}
	if r := pair(c, code, "agent"); r.status != 401 || !strings.Contains(r.raw, "already used") {
		t.Fatalf("a used code: %d %s", r.status, r.raw)
	}
	late := pairingCode(t, c, s, "agent")
	srv.Advance(11 * time.Minute)
	if r := pair(c, late, "agent"); r.status != 401 || !strings.Contains(r.raw, "expired") {
		t.Fatalf("an expired code: %d %s", r.status, r.raw)
	}
}

// TestCompanionTokensAndBatches: a companion token uploads only its own
// source's batches, numbered apart from the browser's, with the same
// idempotency and bad-input handling; it stops working with the session.
func TestCompanionTokensAndBatches(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	f := srv.NewFixture(t, 2, func(s *proctor.Settings) { s.RequireAgent, s.RequireExtension = true, true })
	c := client{t, srv.URL}
	s := start(t, c, srv.Link(t, f, 0))
	other := start(t, c, srv.Link(t, f, 1))
	r := pair(c, pairingCode(t, c, s, "agent"), "agent")
	agent := r.body["token"].(string)
	agentPath := func(batch int) string { return fmt.Sprintf("/api/v1/sessions/%d/sources/agent/events/%d", s.id, batch) }
	put := func(path, token string, body []byte) resp {
		return c.do("PUT", path, token, "application/json", nil, body)
	}

	refused := []struct {
		name, method, path, want string
		body                     []byte
		status                   int
	}{
		{"the browser's frames", "PUT", fmt.Sprintf("/api/v1/sessions/%d/frames/0", s.id), "forbidden", nil, 403},
		{"the browser's own batches", "PUT", fmt.Sprintf("/api/v1/sessions/%d/events/0", s.id), "forbidden", eventsJSON(), 403},
		{"another session", "PUT", fmt.Sprintf("/api/v1/sessions/%d/sources/agent/events/0", other.id), "forbidden", eventsJSON(), 403},
		{"another source", "PUT", fmt.Sprintf("/api/v1/sessions/%d/sources/extension/events/0", s.id), "forbidden", eventsJSON(), 403},
		{"a pairing code", "POST", fmt.Sprintf("/api/v1/sessions/%d/pairing", s.id), "forbidden", []byte(`{"kind":"agent"}`), 403},
		{"the access code", "GET", fmt.Sprintf("/api/v1/sessions/%d/access_code", s.id), "forbidden", nil, 403},
		{"a kind the agent does not send", "PUT", agentPath(0), "invalid_request", eventsJSON(`{"kind":"navigate","at":"2026-01-01T00:00:00Z","url":"https://x"}`), 400},
		{"another source's event", "PUT", agentPath(0), "invalid_request", eventsJSON(`{"kind":"app","at":"2026-01-01T00:00:00Z","name":"zoom","state":"running","source":"browser"}`), 400},
		{"a foreground without a name", "PUT", agentPath(0), "invalid_request", eventsJSON(`{"kind":"foreground","at":"2026-01-01T00:00:00Z"}`), 400},
		{"malformed JSON", "PUT", agentPath(0), "malformed_json", []byte(`{"events":[`), 400},
		{"a gap", "PUT", agentPath(3), "sequence_gap", eventsJSON(), 409},
	}
	for _, tc := range refused {
		r := c.do(tc.method, tc.path, agent, "application/json", nil, tc.body)
		if r.status != tc.status || r.code() != tc.want {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.want)
		}
	}

	batch0 := eventsJSON(foreground("xterm"))
	if r := put(agentPath(0), agent, batch0); r.status != 200 || r.body["stored"].(float64) != 1 || r.body["duplicate"] != false {
		t.Fatalf("agent batch 0: %d %s", r.status, r.raw)
	}
	if r := put(agentPath(0), agent, batch0); r.status != 200 || r.body["duplicate"] != true {
		t.Fatalf("agent batch 0 again: %d %s", r.status, r.raw)
	}
	if r := put(agentPath(0), agent, eventsJSON()); r.status != 409 || r.code() != "sequence_conflict" {
		t.Fatalf("agent batch 0 with other content: %d %s", r.status, r.raw)
	}
	// A companion's batches do not start the exam, and the browser's
	// numbering is its own: its batch 0 is not the agent's.
	status := c.do("GET", fmt.Sprintf("/api/v1/sessions/%d", s.id), s.token, "", nil, nil)
	if status.body["next_event_batch"].(float64) != 0 || status.body["state"] != "created" {
		t.Fatalf("the browser's status after companion batches: %s", status.raw)
	}
	if r := put(fmt.Sprintf("/api/v1/sessions/%d/events/0", s.id), s.token, eventsJSON()); r.status != 200 || r.body["duplicate"] != false {
		t.Fatalf("browser batch 0: %d %s", r.status, r.raw)
	}
	if r := put(agentPath(1), agent, eventsJSON()); r.status != 200 {
		t.Fatalf("a heartbeat: %d %s", r.status, r.raw)
	}

	cfg := c.do("GET", fmt.Sprintf("/api/v1/sessions/%d/companion", s.id), agent, "", nil, nil)
	apps, _ := cfg.body["report_apps"].([]any)
	if cfg.status != 200 || cfg.body["live"] != true || cfg.body["next_event_batch"].(float64) != 2 || len(apps) < 10 || !strings.Contains(cfg.raw, `"discord"`) {
		t.Fatalf("companion config: %d %s", cfg.status, cfg.raw)
	}
	st := c.do("GET", fmt.Sprintf("/api/v1/sessions/%d/companions", s.id), s.token, "", nil, nil)
	ag, _ := st.body["agent"].(map[string]any)
	if st.status != 200 || ag["paired"] != true || ag["connected"] != true {
		t.Fatalf("companions: %d %s", st.status, st.raw)
	}

	if r := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil, []byte(`{}`)); r.status != 200 {
		t.Fatalf("finish: %d %s", r.status, r.raw)
	}
	if r := put(agentPath(2), agent, eventsJSON()); r.status != 409 || r.code() != "session_closed" {
		t.Fatalf("after the session ended: %d %s", r.status, r.raw)
	}
	if cfg := c.do("GET", fmt.Sprintf("/api/v1/sessions/%d/companion", s.id), agent, "", nil, nil); cfg.body["live"] != false {
		t.Fatalf("companion config after the end: %s", cfg.raw)
	}
	if r := pair(c, "ABCDEFGH", "agent"); r.status != 401 {
		t.Fatalf("pairing after the end: %d", r.status)
	}

	// The reviewer reads how the companions reported: the agent did, the
	// required extension never connected.
	hc, _ := srv.SignIn(t, &f.Instructor)
	_, page := get(t, hc, fmt.Sprintf("%s/sessions/%d", srv.URL, s.id))
	if !strings.Contains(page, `data-companion="desktop agent"`) || !strings.Contains(page, "desktop agent (required):") ||
		!regexp.MustCompile(`browser extension \(required\):\s*never connected`).MatchString(page) {
		t.Fatalf("the session page does not show the companions:\n%s", page)
	}
}
