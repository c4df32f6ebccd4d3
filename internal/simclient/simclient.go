// Package simclient is a capture client written in Go: it plays a scenario
// (webcam frames, identity photos, browser events) through Vigil's real
// ingest API over HTTP (internal/ingestclient), with the retries a real
// client makes. The demo uses it to fill a course with realistic sessions;
// tests use it to drive the server end to end.
package simclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"time"

	"vigil/internal/ingestclient"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
)

// Client talks to one Vigil server.
type Client struct {
	Base  string // e.g. http://127.0.0.1:8080
	HTTP  *http.Client
	Media fs.FS // the media root scenarios refer to
	// Retries is how often a failed request (network error, 5xx, 429) is
	// tried again, with backoff from 50 ms doubling up to 2 s
	// (ingestclient.Client.Retries).
	Retries int
}

// Session is a started session.
type Session struct {
	ID      int64  `json:"session_id"`
	Token   string `json:"token"`
	Attempt int    `json:"attempt"`
	Resumed bool   `json:"resumed"`
}

// Result is what playing a scenario sent.
type Result struct {
	Session      Session
	Frames       int64
	EventBatches int64
	Audio        int64
	Screen       int64 // screen recording chunks
	Photos       []PhotoResult
}

// PhotoResult is the server's verdict on one photo.
type PhotoResult struct {
	Purpose proctor.PhotoPurpose
	Kind    proctor.PhotoKind
	Attempt int    `json:"attempt"`
	Passed  bool   `json:"passed"`
	Reason  string `json:"reason"`
}

// Play starts a session with a session link token and plays sc through the
// API as if it had been recorded from start (the client's clock), then
// finishes the session.
func (c *Client) Play(ctx context.Context, link string, sc *scenario.Scenario, start time.Time) (*Result, error) {
	sess, err := c.Start(ctx, link, start)
	if err != nil {
		return nil, err
	}
	res := &Result{Session: *sess}
	if res.Photos, err = c.sendPhotos(ctx, sess, sc, start); err != nil {
		return res, err
	}
	if res.Frames, err = c.sendFrames(ctx, sess, sc, start); err != nil {
		return res, err
	}
	if res.EventBatches, err = c.sendEvents(ctx, sess, sc, start); err != nil {
		return res, err
	}
	if res.Audio, err = c.sendAudio(ctx, sess, sc, start); err != nil {
		return res, err
	}
	if res.Screen, err = c.sendScreen(ctx, sess, sc, start); err != nil {
		return res, err
	}
	return res, c.finish(ctx, sess, res.Frames, res.EventBatches, res.Audio, map[string]int64{proctor.StreamScreen: res.Screen})
}

// sendScreen sends the scenario's screen recording, if it has one, cut
// into one chunk per scenario.ScreenChunkSeconds of the session (by
// bytes: the server only joins them again).
func (c *Client) sendScreen(ctx context.Context, sess *Session, sc *scenario.Scenario, start time.Time) (int64, error) {
	if sc.Screen == "" {
		return 0, nil
	}
	data, err := fs.ReadFile(c.Media, sc.Screen)
	if err != nil {
		return 0, err
	}
	n := int64(math.Ceil(sc.Duration / scenario.ScreenChunkSeconds))
	for seq := range n {
		from := float64(seq * scenario.ScreenChunkSeconds)
		dur := min(scenario.ScreenChunkSeconds, sc.Duration-from)
		part := data[int64(len(data))*seq/n : int64(len(data))*(seq+1)/n]
		headers := captured(at(start, from))
		headers["X-Duration-Ms"] = fmt.Sprint(int64(dur * 1000))
		path := fmt.Sprintf("/api/v1/sessions/%d/chunks/%s/%d", sess.ID, proctor.StreamScreen, seq)
		if err := c.call(ctx, http.MethodPut, path, sess.Token, "video/webm", headers, part, nil); err != nil {
			return seq, err
		}
	}
	return n, nil
}

// Start starts or resumes a session.
func (c *Client) Start(ctx context.Context, link string, start time.Time) (*Session, error) {
	body, _ := json.Marshal(map[string]any{"link": link, "started_at": start})
	var s Session
	err := c.call(ctx, http.MethodPost, "/api/v1/sessions", "", "application/json", nil, body, &s)
	return &s, err
}

func (c *Client) sendPhotos(ctx context.Context, sess *Session, sc *scenario.Scenario, start time.Time) ([]PhotoResult, error) {
	attempts := map[string]int{}
	var out []PhotoResult
	for _, p := range sc.Photos {
		data, err := fs.ReadFile(c.Media, p.File)
		if err != nil {
			return out, err
		}
		key := string(p.Purpose) + "/" + string(p.Kind)
		attempts[key]++
		r := PhotoResult{Purpose: p.Purpose, Kind: p.Kind}
		path := fmt.Sprintf("/api/v1/sessions/%d/photos/%s/%s/%d", sess.ID, p.Purpose, p.Kind, attempts[key])
		if err := c.call(ctx, http.MethodPut, path, sess.Token, "image/jpeg", captured(start), data, &r); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func captured(t time.Time) map[string]string {
	return map[string]string{"X-Capture-Time": t.UTC().Format(time.RFC3339Nano)}
}

func at(start time.Time, sec float64) time.Time {
	return start.Add(time.Duration(sec * float64(time.Second)))
}

func (c *Client) sendFrames(ctx context.Context, sess *Session, sc *scenario.Scenario, start time.Time) (int64, error) {
	frames, err := sc.Frames(c.Media)
	if err != nil {
		return 0, err
	}
	cache := map[string][]byte{}
	for i, f := range frames {
		data, ok := cache[f.File]
		if !ok {
			if data, err = fs.ReadFile(c.Media, f.File); err != nil {
				return int64(i), err
			}
			cache[f.File] = data
		}
		if err := c.PutFrame(ctx, sess, int64(i), at(start, f.At), data); err != nil {
			return int64(i), err
		}
	}
	return int64(len(frames)), nil
}

// PutFrame uploads one webcam frame.
func (c *Client) PutFrame(ctx context.Context, sess *Session, seq int64, capturedAt time.Time, jpeg []byte) error {
	path := fmt.Sprintf("/api/v1/sessions/%d/frames/%d", sess.ID, seq)
	return c.call(ctx, http.MethodPut, path, sess.Token, "image/jpeg", captured(capturedAt), jpeg, nil)
}

// eventsPerBatch groups events as a client flushing every few seconds would.
const eventsPerBatch = 8

func (c *Client) sendEvents(ctx context.Context, sess *Session, sc *scenario.Scenario, start time.Time) (int64, error) {
	var batches int64
	for i := 0; i < len(sc.Events); i += eventsPerBatch {
		var evs []proctor.EventInput
		for _, e := range sc.Events[i:min(i+eventsPerBatch, len(sc.Events))] {
			evs = append(evs, proctor.EventInput{Kind: e.Kind, At: at(start, e.At), Combo: e.Combo, Surface: e.Surface,
				Count: e.Count, Name: e.Name, State: e.State, URL: e.URL})
		}
		body, _ := json.Marshal(map[string]any{"events": evs})
		path := fmt.Sprintf("/api/v1/sessions/%d/events/%d", sess.ID, batches)
		if err := c.call(ctx, http.MethodPut, path, sess.Token, "application/json", nil, body, nil); err != nil {
			return batches, err
		}
		batches++
	}
	return batches, nil
}

// Finish closes a session that sent frames and events only.
func (c *Client) Finish(ctx context.Context, sess *Session, frames, batches int64) error {
	return c.FinishAll(ctx, sess, frames, batches, 0)
}

// FinishAll closes the session, telling the server how much was sent.
func (c *Client) FinishAll(ctx context.Context, sess *Session, frames, batches, audio int64) error {
	return c.finish(ctx, sess, frames, batches, audio, nil)
}

// finish closes the session with the counts of video chunks too.
func (c *Client) finish(ctx context.Context, sess *Session, frames, batches, audio int64, chunks map[string]int64) error {
	body, _ := json.Marshal(map[string]any{"frames": frames, "event_batches": batches, "audio": audio, "chunks": chunks})
	return c.call(ctx, http.MethodPost, fmt.Sprintf("/api/v1/sessions/%d/finish", sess.ID), sess.Token, "application/json", nil, body, nil)
}

// backoff is the simulated client's wait between tries.
var backoff = ingestclient.Backoff{First: 50 * time.Millisecond, Max: 2 * time.Second}

// call sends one request through the ingest client, retrying what a retry
// can fix, and decodes a 2xx JSON answer into out (when out is not nil). A
// refusal is an *ingestclient.Error.
func (c *Client) call(ctx context.Context, method, path, token, ctype string, headers map[string]string, body []byte, out any) error {
	api := &ingestclient.Client{Base: c.Base, HTTP: c.HTTP, Retries: c.Retries, Backoff: backoff}
	req := ingestclient.Request{Method: method, Path: path, Token: token, ContentType: ctype, Header: headers, Body: body}
	if err := api.Do(ctx, req, out); err != nil {
		return fmt.Errorf("simclient: %s %s: %w", method, path, err)
	}
	return nil
}
