// Package agent is Vigil's desktop agent (cmd/vigil-agent): it pairs with a
// live proctored session by a short code, then reports every few seconds
// which listed apps run, which app is in front, how many displays are
// connected and whether the computer is a virtual machine, until the
// session ends (docs/COMPANIONS.md). It keeps nothing on disk: what waits
// for the network waits in memory.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vigil/internal/ingestclient"
	"vigil/internal/proctor"
)

// final reports whether the session will not take this agent's reports
// any more.
func final(e *ingestclient.Error) bool {
	return e.Code == "session_closed" || e.Code == "invalid_token" || e.Code == "forbidden"
}

// agentBackoff is the wait between tries while Vigil cannot be reached,
// for the first configuration and for the queued reports alike: 1 s
// doubling to 30 s.
var agentBackoff = ingestclient.Backoff{First: time.Second, Max: 30 * time.Second}

// client calls Vigil's capture API as one paired agent, one try per call:
// the queue decides when to try again, so that the agent keeps looking at
// the computer meanwhile.
type client struct {
	api       *ingestclient.Client
	sessionID int64
	token     string
}

func newClient(server string, hc *http.Client, sessionID int64, token string) *client {
	return &client{api: &ingestclient.Client{Base: server, HTTP: hc}, sessionID: sessionID, token: token}
}

// retrying is the same client trying each call again until it gets an
// answer or ctx ends, telling out of each wait.
func (c *client) retrying(out io.Writer) *client {
	api := *c.api
	api.Retries, api.Backoff = -1, agentBackoff
	api.Observe = func(a ingestclient.Attempt) {
		if a.Wait > 0 {
			fmt.Fprintf(out, "Vigil cannot be reached (%v); trying again in %s.\n", a.Err, a.Wait)
		}
	}
	return &client{api: &api, sessionID: c.sessionID, token: c.token}
}

func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	return c.api.DoJSON(ctx, method, path, c.token, in, out)
}

// Config is the server's answer to GET …/companion (ingest.CompanionConfig).
type Config struct {
	Live           bool                 `json:"live"`
	State          proctor.SessionState `json:"state"`
	NextEventBatch int64                `json:"next_event_batch"`
	ReportSeconds  int                  `json:"report_seconds"`
	ReportApps     []string             `json:"report_apps"`
	AllowedInFront []string             `json:"allowed_in_front"`
}

func (c *client) config(ctx context.Context) (*Config, error) {
	var cfg Config
	err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/sessions/%d/companion", c.sessionID), nil, &cfg)
	return &cfg, err
}

// Event is one report, as the API takes it.
type Event struct {
	Kind  proctor.EventKind `json:"kind"`
	At    time.Time         `json:"at"`
	Name  string            `json:"name,omitempty"`
	Title string            `json:"title,omitempty"`
	State string            `json:"state,omitempty"`
	Count int               `json:"count,omitempty"`
}

func (c *client) putBatch(ctx context.Context, seq int64, events []Event) error {
	if events == nil {
		events = []Event{}
	}
	return c.do(ctx, "PUT", fmt.Sprintf("/api/v1/sessions/%d/sources/agent/events/%d", c.sessionID, seq),
		map[string]any{"events": events}, nil)
}

// Paired is the server's answer to a pairing (ingest.Paired).
type Paired struct {
	SessionID      int64     `json:"session_id"`
	Token          string    `json:"token"`
	Exam           string    `json:"exam"`
	Student        string    `json:"student"`
	ExpiresAt      time.Time `json:"expires_at"`
	NextEventBatch int64     `json:"next_event_batch"`
	ReportSeconds  int       `json:"report_seconds"`
}

// Pair exchanges a pairing code shown in the proctoring window for this
// agent's token of that session.
func Pair(ctx context.Context, hc *http.Client, server, code string) (*Paired, error) {
	server, err := serverURL(server)
	if err != nil {
		return nil, err
	}
	c := newClient(server, hc, 0, "")
	var p Paired
	if err := c.do(ctx, "POST", "/api/v1/pair", map[string]string{"code": code, "kind": "agent"}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// serverURL checks a server address and drops a trailing slash. The agent
// sends the pairing code, then its session token and what it sees on the
// student's computer: only over https, except to this computer itself
// (a development server), where nothing crosses a network.
func serverURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("agent: %q is not a Vigil address (https://…)", s)
	}
	if u.Scheme == "http" && !thisComputer(u.Hostname()) {
		return "", fmt.Errorf("agent: %q is plain http: the agent connects only over https "+
			"(http only to this computer: localhost, 127.0.0.1, ::1)", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// thisComputer reports whether host is the loopback names development uses.
func thisComputer(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// ParseLink reads a pairing link from the proctoring window:
// vigil-agent://pair?server=https://vigil.example.edu&code=K7QX2M9P.
func ParseLink(link string) (server, code string, err error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Scheme != "vigil-agent" {
		return "", "", errors.New("agent: a pairing link starts with vigil-agent://pair?")
	}
	q := u.Query()
	if q.Get("server") == "" || q.Get("code") == "" {
		return "", "", errors.New("agent: the pairing link lacks the server or the code")
	}
	server, err = serverURL(q.Get("server"))
	return server, q.Get("code"), err
}
