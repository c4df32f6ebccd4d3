package web

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/ratelimit"
)

// Reads of students' media by people are budgeted per person and
// audited, so that a curious account can neither scrape a course's
// recordings in bulk nor read them unseen. The budgets are generous for a
// person: scrubbing a video's frames is a few per second; a script
// downloading every frame of every session is not.
const (
	// frameReadsPerMinute: frames (snapshots, scrubbing a session).
	frameReadsPerMinute = 600
	// mediaReadsPerMinute: photos, ID scans, video segments, timelines.
	mediaReadsPerMinute = 120
	// frameAuditWindow: frame reads of one session by one person are
	// audited once per window, with how many there were in the last.
	frameAuditWindow = time.Minute
)

// mediaGuard holds the per-person budgets and the frame audit windows.
type mediaGuard struct {
	frames *ratelimit.Limiter[int64] // by user id
	other  *ratelimit.Limiter[int64]
	mu     sync.Mutex
	seen   map[frameReader]*frameWindow
}

type frameReader struct{ user, session int64 }

type frameWindow struct {
	start time.Time
	count int
}

func newMediaGuard(now func() time.Time) *mediaGuard {
	return &mediaGuard{frames: ratelimit.New[int64](frameReadsPerMinute/60.0, frameReadsPerMinute, now),
		other: ratelimit.New[int64](mediaReadsPerMinute/60.0, mediaReadsPerMinute, now), seen: map[frameReader]*frameWindow{}}
}

// allowMedia takes one read from the person's budget, or answers 429 with
// Retry-After and reports false.
func (s *Server) allowMedia(w http.ResponseWriter, r *http.Request, v *viewer, budget *ratelimit.Limiter[int64]) bool {
	wait, ok := budget.Allow(v.User.ID)
	if !ok {
		s.Log.Warn("media reads over budget", "user", v.User.ID, "path", r.URL.Path)
		s.apiError(w, r, proctor.E(proctor.CodeRateLimited, "too many media reads from your account: wait %s and try again",
			wait.Round(time.Second)).With("retry_after_ms", wait.Milliseconds()))
	}
	return ok
}

// frameAuditDue counts a frame read and reports whether it opens a new
// audit window for this person and session, with the count of the
// window it closes (0 for the first).
func (g *mediaGuard) frameAuditDue(user, session int64, now time.Time) (bool, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := frameReader{user, session}
	w := g.seen[k]
	if w != nil && now.Sub(w.start) < frameAuditWindow {
		w.count++
		return false, 0
	}
	if len(g.seen) > 10000 { // people rarely read this many sessions a minute; forget closed windows
		for k, old := range g.seen {
			if now.Sub(old.start) >= frameAuditWindow {
				delete(g.seen, k)
			}
		}
	}
	before := 0
	if w != nil {
		before = w.count
	}
	g.seen[k] = &frameWindow{start: now, count: 1}
	return true, before
}

// auditFrameRead writes one audit entry per person, session and minute of
// frame reads rather than one per frame: scrubbing reads hundreds.
func (s *Server) auditFrameRead(r *http.Request, v *viewer, sess *proctor.Session, seq int64) {
	due, before := s.media.frameAuditDue(v.User.ID, sess.ID, s.Now())
	if !due {
		return
	}
	what := fmt.Sprintf("frames from #%d (one entry a minute)", seq)
	if before > 0 {
		what += fmt.Sprintf("; %d frame reads in the previous window", before)
	}
	s.auditMedia(r, v, sess, what)
}

// auditMedia records a person's read of session media.
func (s *Server) auditMedia(r *http.Request, v *viewer, sess *proctor.Session, what string) {
	if err := s.Review.AuditMedia(r.Context(), v.actor(r), sess, what); err != nil {
		s.Log.Error("audit media", "err", err)
	}
}
