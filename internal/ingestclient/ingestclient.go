// Package ingestclient calls Vigil's ingest API (/api/v1, docs/API.md)
// over HTTP. It is the one Go client of that API and holds the one retry
// loop: the simulated capture client (simclient: vigil demo, vigil eval and
// tests), the load generator (loadtest) and the desktop agent (agent) all
// send through it, each with its own retry settings.
package ingestclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// maxAnswer bounds how much of an answer is read: the API's answers are
// small JSON documents.
const maxAnswer = 1 << 20

// Client sends requests to one Vigil server.
type Client struct {
	Base string // e.g. http://127.0.0.1:8080
	// Others are more servers of the same Vigil (behind no load
	// balancer): a try that met a network failure is made again on the
	// next of Base and Others, in turn.
	Others []string
	HTTP   *http.Client
	// Retries is how often a request that failed in a way a retry can fix
	// (Error.Retryable: network trouble, 5xx, 429) is tried again;
	// negative means until ctx ends.
	Retries int
	// Backoff is the wait between tries (zero: DefaultBackoff).
	Backoff Backoff
	// Observe, when set, is told of every attempt as it ends, retries
	// included (the load generator times and counts them). An attempt cut
	// short because ctx ended is not reported. It must be safe for
	// concurrent use when the Client is.
	Observe func(Attempt)
}

// Request is one call of the API.
type Request struct {
	Method, Path string
	Token        string // the session's bearer token, if any
	ContentType  string
	Header       map[string]string // e.g. X-Capture-Time
	Body         []byte
}

// Attempt is one try of a Request.
type Attempt struct {
	Request *Request
	Took    time.Duration
	Status  int           // the answer's HTTP status; 0 when none came
	Err     *Error        // nil when the server accepted it
	Wait    time.Duration // before the next try; 0 when there is none
}

// Do sends req, trying again after a failure a retry can fix, and decodes
// a 2xx JSON answer into out (when out is not nil). A failure is an *Error
// (after the last try), or ctx's error.
func (c *Client) Do(ctx context.Context, req Request, out any) error {
	var wait time.Duration
	base := 0
	for try := 0; ; try++ {
		start := time.Now()
		status, data, failure := c.once(ctx, c.base(base), &req)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		retry := failure != nil && failure.Retryable() && (c.Retries < 0 || try < c.Retries)
		pause := wait
		if retry {
			wait = c.backoff().Next(wait)
			// A server that says when to come back (a full disk, a rate
			// limit) is waited for; the backoff still grows.
			pause = max(wait, failure.RetryAfter)
			if failure.Status == 0 {
				base++
			}
		}
		if c.Observe != nil {
			c.Observe(Attempt{Request: &req, Took: time.Since(start), Status: status, Err: failure, Wait: waitIf(retry, pause)})
		}
		switch {
		case failure == nil && out != nil:
			return json.Unmarshal(data, out)
		case failure == nil:
			return nil
		case !retry:
			return failure
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// base is the server of the try: Base, then Others in turn.
func (c *Client) base(i int) string {
	if i%(1+len(c.Others)) == 0 {
		return c.Base
	}
	return c.Others[i%(1+len(c.Others))-1]
}

func waitIf(retry bool, wait time.Duration) time.Duration {
	if retry {
		return wait
	}
	return 0
}

// DoJSON sends in (when not nil) as a JSON body and decodes the answer
// into out, as Do.
func (c *Client) DoJSON(ctx context.Context, method, path, token string, in, out any) error {
	req := Request{Method: method, Path: path, Token: token}
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("ingestclient: %s %s: %w", method, path, err)
		}
		req.Body, req.ContentType = body, "application/json"
	}
	return c.Do(ctx, req, out)
}

func (c *Client) backoff() Backoff {
	if c.Backoff == (Backoff{}) {
		return DefaultBackoff
	}
	return c.Backoff
}

// once makes one try: the answer's status, and the 2xx answer's body or
// why it failed.
func (c *Client) once(ctx context.Context, base string, r *Request) (int, []byte, *Error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, base+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return 0, nil, &Error{Message: err.Error()}
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, &Error{Message: err.Error()}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	switch {
	case err != nil:
		return res.StatusCode, nil, &Error{Message: "reading the answer: " + err.Error()}
	case res.StatusCode >= 300:
		e := refusal(res.StatusCode, data)
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
		return res.StatusCode, nil, e
	}
	return res.StatusCode, data, nil
}

// Backoff is how long to wait between tries: First, then doubling up to Max.
type Backoff struct{ First, Max time.Duration }

// DefaultBackoff is the capture client's: 100 ms doubling to 2 s.
var DefaultBackoff = Backoff{First: 100 * time.Millisecond, Max: 2 * time.Second}

// Next is the wait after one that lasted prev (0 before the first retry).
func (b Backoff) Next(prev time.Duration) time.Duration {
	return min(max(2*prev, b.First), b.Max)
}

// Error is a refusal from Vigil (docs/API.md's error shape) or a network
// failure (Status 0).
type Error struct {
	Status  int
	Code    string // the API's error code; empty when the answer had none
	Message string // the API's message, the answer's text, or the network error
	Next    int64  // sequence_gap: the number the server expects
	// RetryAfter is how long the server asked the client to wait before
	// trying again (Retry-After: a full disk, a rate limit), or 0.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "network: " + e.Message
	}
	code := e.Code
	if code == "" {
		code = "http"
	}
	return fmt.Sprintf("%s (%d): %s", code, e.Status, e.Message)
}

// Retryable reports whether trying again may succeed: network trouble, the
// server busy or restarting, or its storage full for now (507).
func (e *Error) Retryable() bool {
	return e.Status == 0 || e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

func refusal(status int, data []byte) *Error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Next    int64  `json:"next"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return &Error{Status: status, Message: strings.TrimSpace(string(data))}
	}
	return &Error{Status: status, Code: e.Error.Code, Message: e.Error.Message, Next: e.Error.Next}
}

// Upload is one item of a batch of uploads (POST /api/v1/sessions/{id}/uploads,
// docs/API.md): what its own request would send.
type Upload struct {
	Path        string // under the session: "frames/12", "events/3", "chunks/webcam/4"
	ContentType string
	Header      map[string]string // X-Capture-Time, X-Duration-Ms
	Body        []byte
}

// BatchRequest is the request that sends a session's uploads in one batch;
// its answer decodes into a BatchAnswer.
func BatchRequest(sessionID int64, token string, ups []Upload) Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, u := range ups {
		h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="` + u.Path + `"`}, "Content-Type": {u.ContentType}}
		for k, v := range u.Header {
			h.Set(k, v)
		}
		w, _ := mw.CreatePart(h) // writes to memory: cannot fail
		w.Write(u.Body)
	}
	mw.Close()
	return Request{Method: http.MethodPost, Path: fmt.Sprintf("/api/v1/sessions/%d/uploads", sessionID), Token: token,
		ContentType: mw.FormDataContentType(), Body: buf.Bytes()}
}

// BatchAnswer is a batch's answer: each item's result in order, up to and
// including the first refused.
type BatchAnswer struct {
	Results []BatchResult `json:"results"`
}

// BatchResult is one item's: its acknowledgement or its refusal.
type BatchResult struct {
	Path string `json:"path"`
	Ack  *struct {
		Seq       int64 `json:"seq"`
		Duplicate bool  `json:"duplicate"`
	} `json:"ack"`
	Error *struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Next    int64  `json:"next"`
	} `json:"error"`
}

// Refusal is the item's refusal as an *Error, or nil when it was
// acknowledged.
func (r BatchResult) Refusal() *Error {
	if r.Error == nil {
		return nil
	}
	return &Error{Status: r.Error.Status, Code: r.Error.Code, Message: r.Error.Message, Next: r.Error.Next}
}
