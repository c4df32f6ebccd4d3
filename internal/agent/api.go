// Package agent is Vigil's desktop agent (cmd/vigil-agent): it pairs with a
// live proctored session by a short code, then reports every few seconds
// which listed apps run, which app is in front, how many displays are
// connected and whether the computer is a virtual machine, until the
// session ends (docs/COMPANIONS.md). It keeps nothing on disk: what waits
// for the network waits in memory.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vigil/internal/proctor"
)

// APIError is a refusal from Vigil (docs/API.md's error shape), or a
// network failure (Status 0).
type APIError struct {
	Status  int
	Code    string
	Message string
	Next    int64 // sequence_gap: the batch the server expects
}

func (e *APIError) Error() string {
	if e.Status == 0 {
		return "network: " + e.Message
	}
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

// Retryable: network trouble, the server busy or restarting.
func (e *APIError) Retryable() bool {
	return e.Status == 0 || e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// Final: the session will not take this agent's reports any more.
func (e *APIError) Final() bool {
	return e.Code == "session_closed" || e.Code == "invalid_token" || e.Code == "forbidden"
}

// client calls Vigil's capture API as one paired agent.
type client struct {
	server    string
	sessionID int64
	token     string
	http      *http.Client
}

func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return &APIError{Message: err.Error()}
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		return refusal(res.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

func refusal(status int, data []byte) *APIError {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Next    int64  `json:"next"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return &APIError{Status: status, Code: "http", Message: strings.TrimSpace(string(data))}
	}
	return &APIError{Status: status, Code: e.Error.Code, Message: e.Error.Message, Next: e.Error.Next}
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
	var ack struct{}
	return c.do(ctx, "PUT", fmt.Sprintf("/api/v1/sessions/%d/sources/agent/events/%d", c.sessionID, seq),
		map[string]any{"events": events}, &ack)
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
	c := &client{server: server, http: hc}
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
