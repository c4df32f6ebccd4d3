package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

// livePage is an exam's live view: the sessions taking uploads now, each
// with its latest webcam still and flags as they arrive (livePage's
// script follows liveEvents).
func (s *Server) livePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	var p *review.LivePage
	if err == nil {
		p, err = s.Review.Live(r.Context(), v.actor(r), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	known := make([]string, len(p.Sessions))
	for i, ls := range p.Sessions {
		known[i] = strconv.FormatInt(ls.Session.ID, 10)
	}
	view := liveView{LivePage: p, Streams: s.Live != nil,
		Events: fmt.Sprintf("/exams/%d/live/events?known=%s", p.Exam.ID, strings.Join(known, ","))}
	s.render(w, r, http.StatusOK, "live", page{Title: "Live: " + p.Exam.Title, User: v.User, CSRF: v.CSRF, Data: view})
}

type liveView struct {
	*review.LivePage
	Streams bool   // this server streams events (it has a broker)
	Events  string // the stream's URL
}

// Stream pacing: events are sent in batches every liveBatch (a session's
// frames and uploads reduced to its latest), a comment every liveBeat
// keeps proxies from closing a quiet stream.
const (
	liveBatch = 250 * time.Millisecond
	liveBeat  = 20 * time.Second
)

// liveEvents is the live view's Server-Sent Events stream for one exam.
// Each message is one event: "frame" and "upload" {session, seq, at},
// "flag" {session, flag}, "state" {session, state}, "session" (a card for
// a session the page did not list: known= names those it did), and
// "resync" when this stream fell behind and the page should reload.
func (s *Server) liveEvents(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.Review.AuthorizeExam(r.Context(), v.actor(r), id)
	}
	if err == nil && s.Live == nil {
		err = errNoLive
	}
	if err == nil && !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		err = errNotStream
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // the request is read; the stream outlives the read timeout
	rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sub := s.Live.Subscribe(id)
	defer sub.Close()
	st := &liveStream{s: s, w: w, r: r, v: v, known: knownSessions(r.URL.Query().Get("known"))}
	fmt.Fprint(w, "retry: 5000\n\n")
	rc.Flush()
	batch := time.NewTicker(liveBatch)
	defer batch.Stop()
	beat := time.NewTicker(liveBeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-sub.C:
			if !ok {
				return
			}
			st.add(e)
		case <-batch.C:
			if sub.Lagged() {
				fmt.Fprint(w, "event: resync\ndata: {}\n\n")
				rc.Flush()
				return
			}
			if st.flush() != nil || rc.Flush() != nil {
				return
			}
		case <-beat.C:
			fmt.Fprint(w, ": still here\n\n")
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// errNotStream answers a request that does not ask for an event stream
// (EventSource always does), rather than hold it open.
var errNotStream = proctor.E(proctor.CodeInvalid, "this address is an event stream: ask with Accept: text/event-stream")

var errNoLive = proctor.E(proctor.CodeUnavailable, "this server does not stream the live view")

// liveStream is one connection's pending batch and the sessions its page
// already shows.
type liveStream struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	v       *viewer
	known   map[int64]bool
	pending []live.Event
	latest  map[[2]any]int // (session, kind) → index in pending, for frames and uploads
}

func knownSessions(list string) map[int64]bool {
	known := map[int64]bool{}
	for _, f := range strings.Split(list, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil && len(known) < 10000 {
			known[id] = true
		}
	}
	return known
}

// add queues an event; a session's frames and uploads keep only the latest.
func (st *liveStream) add(e live.Event) {
	if st.latest == nil {
		st.latest = map[[2]any]int{}
	}
	if e.Kind == live.KindFrame || e.Kind == live.KindUpload {
		k := [2]any{e.SessionID, e.Kind}
		if i, ok := st.latest[k]; ok {
			st.pending[i] = e
			return
		}
		st.latest[k] = len(st.pending)
	}
	st.pending = append(st.pending, e)
}

// liveCard is a session the page did not list, sent as a "session" event.
type liveCard struct {
	Session   int64  `json:"session"`
	Name      string `json:"name"`
	Attempt   int    `json:"attempt"`
	Frame     int64  `json:"frame"`
	FlagCount int    `json:"flags"`
}

// flush writes the pending events, each new session's card first.
func (st *liveStream) flush() error {
	for _, e := range st.pending {
		if !st.known[e.SessionID] {
			ls, err := st.s.Review.LiveSessionOf(st.r.Context(), st.v.actor(st.r), e.SessionID)
			if err != nil {
				continue // not visible to this viewer (or gone): say nothing
			}
			st.known[e.SessionID] = true
			if err := writeSSE(st.w, "session", liveCard{Session: ls.Session.ID, Name: ls.Student.FullName(),
				Attempt: ls.Session.AttemptLabel(), Frame: ls.Frame, FlagCount: ls.FlagCount}); err != nil {
				return err
			}
		}
		if err := writeSSE(st.w, e.Kind, e); err != nil {
			return err
		}
	}
	st.pending = st.pending[:0]
	clear(st.latest)
	return nil
}

func writeSSE(w http.ResponseWriter, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
	return err
}

// Connection states, by how long ago the latest upload was stored.
const (
	liveOnline = 20 * time.Second
	liveQuiet  = 90 * time.Second
)

// Conn names a session's connection state from its latest upload.
func (v liveView) Conn(last time.Time) string {
	if last.IsZero() {
		return "Connection: no upload yet"
	}
	switch ago := v.Now.Sub(last); {
	case ago < liveOnline:
		return "Connection: Online"
	case ago < liveQuiet:
		return "Connection: Quiet (" + fmtClock(ago) + " since the last upload)"
	default:
		return "Connection: Offline (" + fmtClock(ago) + " since the last upload)"
	}
}
