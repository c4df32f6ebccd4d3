package loadtest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/ingestclient"
)

// student is one simulated capture client.
type student struct {
	link  string
	api   *ingestclient.Client
	media *mediaSet
	stats *stats
	rng   *rand.Rand
	// begin is when the student opens the session; the streams' schedules
	// run from there until end; queued items may still go until drain.
	begin, end, drain time.Time
	batch             time.Duration // Options.Batch

	token   string
	id      int64
	streams []*stream // set before the streams run, read by backlog

	mu     sync.Mutex
	err    error // why the student stopped early
	done   bool  // finished the session
	stuck  bool  // a queue had not emptied by the drain deadline
	photos [][32]byte
}

// stream is one ordered upload stream of a student.
type stream struct {
	kind   string
	every  time.Duration
	first  time.Time // item 0's scheduled time
	count  int64     // items scheduled in all
	acked  atomic.Int64
	hashes [][32]byte // of acknowledged items, by sequence number (written by the stream's goroutine)
}

// due is how many of the stream's items are due at now.
func (s *stream) due(now time.Time) int64 {
	if now.Before(s.first) {
		return 0
	}
	return min(s.count, int64(now.Sub(s.first)/s.every)+1)
}

func (st *student) backlog(now time.Time) int64 {
	st.mu.Lock()
	streams := st.streams
	st.mu.Unlock()
	var n int64
	for _, s := range streams {
		n += max(0, s.due(now)-s.acked.Load())
	}
	return n
}

func (st *student) fail(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err == nil {
		st.err = err
	}
}

// run opens the session at begin, sends its photos, runs the streams on
// their schedules, waits for their queues to empty, and finishes.
func (st *student) run(ctx context.Context) {
	if !sleepUntil(ctx, st.begin) {
		return
	}
	if err := st.start(ctx); err != nil {
		st.fail(err)
		return
	}
	st.stats.sessionStarted()
	defer st.stats.held.Add(-1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Each stream starts at a random point of its period, so the
	// students' uploads do not land in step.
	phase := func(every time.Duration) time.Time {
		return st.begin.Add(time.Duration(st.rng.Int64N(int64(every))))
	}
	newStream := func(kind string, every time.Duration) *stream {
		first := phase(every)
		n := int64(0)
		if !first.After(st.end) {
			n = int64(st.end.Sub(first)/every) + 1
		}
		return &stream{kind: kind, every: every, first: first, count: n}
	}
	streams := []*stream{newStream(KindFrame, frameEvery), newStream(KindAudio, audioEvery), newStream(KindEvents, eventsEvery),
		newStream(KindWebcam, videoEvery), newStream(KindScreen, videoEvery)}
	st.mu.Lock()
	st.streams = streams
	st.mu.Unlock()
	// The photos come first, as the client takes them before recording;
	// they are due at the start, so a slow start shows in their latency.
	if err := st.sendPhoto(ctx); err != nil {
		st.fail(err)
		return
	}
	drainCtx, stopDrain := context.WithDeadline(ctx, st.drain)
	defer stopDrain()
	var wg sync.WaitGroup
	play := func(f func(context.Context) error) {
		wg.Go(func() {
			if err := f(drainCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				cancel(err)
			}
		})
	}
	if st.batch > 0 {
		play(func(ctx context.Context) error { return st.playBatched(ctx, streams, phase(st.batch)) })
	} else {
		for _, s := range streams {
			play(func(ctx context.Context) error { return st.play(ctx, s) })
		}
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		st.fail(err)
		return
	}
	for _, s := range streams {
		if s.acked.Load() < s.count {
			st.mu.Lock()
			st.stuck = true
			st.mu.Unlock()
			return
		}
	}
	if err := st.finish(ctx); err != nil {
		st.fail(err)
		return
	}
	st.mu.Lock()
	st.done = true
	st.mu.Unlock()
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// play sends a stream's items in order, each at its scheduled time or, if
// its predecessor is still unacknowledged then, as soon as that is.
func (st *student) play(ctx context.Context, s *stream) error {
	for seq := range s.count {
		due := s.first.Add(time.Duration(seq) * s.every)
		if !sleepUntil(ctx, due) {
			return ctx.Err()
		}
		body, ack, err := st.item(ctx, s.kind, seq, due)
		if err != nil {
			return err
		}
		st.stats.acked(s.kind, due, ack.took, len(body), ack.dup)
		s.hashes = append(s.hashes, sha256.Sum256(body))
		s.acked.Add(1)
	}
	return nil
}

// ack is what one acknowledged request told.
type ack struct {
	took time.Duration // the successful attempt
	dup  bool
}

// send makes one request until acknowledged; a refusal a retry cannot
// change is an error that stops the student.
func (st *student) send(ctx context.Context, req ingestclient.Request, out any) (ack, error) {
	var a ack
	var answer struct {
		Duplicate bool `json:"duplicate"`
	}
	c := *st.api
	observe := c.Observe
	c.Observe = func(at ingestclient.Attempt) {
		if at.Err == nil {
			a.took = at.Took
		}
		observe(at)
	}
	if out == nil {
		out = &answer
	}
	err := c.Do(ctx, req, out)
	if e, ok := errors.AsType[*ingestclient.Error](err); ok {
		return a, fmt.Errorf("%w: %s %s: %s", errRefused, req.Method, req.Path, errorCode(e))
	}
	a.dup = answer.Duplicate
	return a, err
}

func (st *student) start(ctx context.Context) error {
	body, _ := json.Marshal(map[string]any{"link": st.link, "started_at": st.begin.UTC()})
	var out struct {
		ID    int64  `json:"session_id"`
		Token string `json:"token"`
	}
	a, err := st.send(ctx, ingestclient.Request{Method: http.MethodPost, Path: "/api/v1/sessions", ContentType: "application/json", Body: body}, &out)
	if err != nil {
		return err
	}
	st.stats.acked(KindStart, st.begin, a.took, len(body), false)
	st.token, st.id = out.Token, out.ID
	return nil
}

func (st *student) sendPhoto(ctx context.Context) error {
	req := st.request(http.MethodPut, fmt.Sprintf("photos/onboarding/face/%d", 1), "image/jpeg", st.media.photo, st.begin)
	a, err := st.send(ctx, req, nil)
	if err != nil {
		return err
	}
	st.stats.acked(KindPhoto, st.begin, a.took, len(st.media.photo), a.dup)
	st.mu.Lock()
	st.photos = append(st.photos, sha256.Sum256(st.media.photo))
	st.mu.Unlock()
	return nil
}

func (st *student) request(method, path, ctype string, body []byte, captured time.Time) ingestclient.Request {
	return ingestclient.Request{Method: method, Path: fmt.Sprintf("/api/v1/sessions/%d/%s", st.id, path), Token: st.token,
		ContentType: ctype, Body: body, Header: map[string]string{"X-Capture-Time": captured.UTC().Format(time.RFC3339Nano)}}
}

// upload is item seq of a stream, captured at due, as its own request or
// a batch would send it.
func (st *student) upload(kind string, seq int64, due time.Time) ingestclient.Upload {
	captured := func(t time.Time) map[string]string {
		return map[string]string{"X-Capture-Time": t.UTC().Format(time.RFC3339Nano)}
	}
	switch kind {
	case KindFrame:
		return ingestclient.Upload{Path: fmt.Sprintf("frames/%d", seq), ContentType: "image/jpeg",
			Header: captured(due), Body: st.media.frames[seq%int64(len(st.media.frames))]}
	case KindAudio:
		// The chunk ends at its scheduled time.
		return ingestclient.Upload{Path: fmt.Sprintf("audio/%d", seq), ContentType: "audio/basic", Header: captured(due.Add(-audioEvery)), Body: st.media.audio}
	case KindEvents:
		body, _ := json.Marshal(map[string]any{"events": []map[string]any{
			{"kind": "focus_lost", "at": due.Add(-2 * time.Second).UTC()}, {"kind": "focus_gained", "at": due.Add(-1700 * time.Millisecond).UTC()}}})
		return ingestclient.Upload{Path: fmt.Sprintf("events/%d", seq), ContentType: "application/json", Body: body}
	default: // KindWebcam, KindScreen
		h := captured(due.Add(-videoEvery))
		h["X-Duration-Ms"] = "10000"
		return ingestclient.Upload{Path: fmt.Sprintf("chunks/%s/%d", kind, seq), ContentType: "video/webm", Header: h, Body: st.media.chunk(seq)}
	}
}

// item sends item seq of a stream, captured at due, on its own; it
// returns the body.
func (st *student) item(ctx context.Context, kind string, seq int64, due time.Time) ([]byte, ack, error) {
	u := st.upload(kind, seq, due)
	req := ingestclient.Request{Method: http.MethodPut, Path: fmt.Sprintf("/api/v1/sessions/%d/%s", st.id, u.Path), Token: st.token,
		ContentType: u.ContentType, Header: u.Header, Body: u.Body}
	a, err := st.send(ctx, req, nil)
	return req.Body, a, err
}

func (st *student) finish(ctx context.Context) error {
	counts := map[string]any{"chunks": map[string]int64{}}
	for _, s := range st.streams {
		switch s.kind {
		case KindFrame:
			counts["frames"] = s.count
		case KindAudio:
			counts["audio"] = s.count
		case KindEvents:
			counts["event_batches"] = s.count
		default:
			counts["chunks"].(map[string]int64)[s.kind] = s.count
		}
	}
	body, _ := json.Marshal(counts)
	due := time.Now()
	a, err := st.send(ctx, ingestclient.Request{Method: http.MethodPost, Path: fmt.Sprintf("/api/v1/sessions/%d/finish", st.id),
		Token: st.token, ContentType: "application/json", Body: body}, nil)
	if err == nil {
		st.stats.acked(KindFinish, due, a.took, len(body), false)
	}
	return err
}
