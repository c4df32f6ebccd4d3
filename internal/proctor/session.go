package proctor

import (
	"fmt"
	"time"
)

// SessionState is where a proctored attempt stands. The allowed moves are
// listed in sessionMoves; everything else is refused by Session.MoveTo.
//
//	created ──▶ in_progress ──▶ submitted ──▶ analyzed ─┐
//	   │             │                            ▲     │ (re-decided after a
//	   └─────────────┴──▶ expired                 └─────┘  settings change)
type SessionState string

// Session states.
const (
	// StateCreated: the student opened the session link; identity scans may be
	// uploaded, the exam has not begun.
	StateCreated SessionState = "created"
	// StateInProgress: exam capture has started (the first frame, chunk or event).
	StateInProgress SessionState = "in_progress"
	// StateSubmitted: the client finished and every acknowledged item is
	// stored; analysis is completing.
	StateSubmitted SessionState = "submitted"
	// StateAnalyzed: violations and the automated Pass/Fail are decided.
	StateAnalyzed SessionState = "analyzed"
	// StateExpired: never finished within ResumeWindow; what arrived is kept
	// and analysed, nothing more is accepted.
	StateExpired SessionState = "expired"
)

// ResumeWindow is how long a student may keep uploading to one session after
// it started: a crashed laptop or a lost network can finish later (the seed's
// product allows 72 hours).
const ResumeWindow = 72 * time.Hour

var sessionMoves = map[SessionState][]SessionState{
	StateCreated:    {StateInProgress, StateSubmitted, StateExpired},
	StateInProgress: {StateSubmitted, StateExpired},
	StateSubmitted:  {StateAnalyzed},
	StateAnalyzed:   {StateAnalyzed},
	StateExpired:    {StateAnalyzed},
}

// CanMove reports whether a session in state s may move to next.
func (s SessionState) CanMove(next SessionState) bool {
	for _, allowed := range sessionMoves[s] {
		if allowed == next {
			return true
		}
	}
	return false
}

// AcceptsUploads reports whether the client may still send data.
func (s SessionState) AcceptsUploads() bool {
	return s == StateCreated || s == StateInProgress
}

// Label is the state as an instructor reads it.
func (s SessionState) Label() string {
	switch s {
	case StateCreated:
		return "Not started"
	case StateInProgress:
		return "In progress"
	case StateSubmitted:
		return "Analysing"
	case StateAnalyzed:
		return "Ready for review"
	case StateExpired:
		return "Never finished"
	}
	return string(s)
}

// Valid reports whether s is a known state.
func (s SessionState) Valid() bool {
	_, ok := sessionMoves[s]
	return ok
}

// Verdict is the automated (or reviewed) Pass/Fail status. It is computed
// from violations only and never changes a grade in the LMS.
type Verdict string

// Verdicts.
const (
	VerdictNone Verdict = ""
	VerdictPass Verdict = "pass"
	VerdictFail Verdict = "fail"
)

// Label is the verdict as shown on the badge.
func (v Verdict) Label() string {
	switch v {
	case VerdictPass:
		return "Pass"
	case VerdictFail:
		return "Fail"
	}
	return "Pending"
}

// Session is one attempt of one student at one exam.
type Session struct {
	ID        int64
	ExamID    int64
	StudentID int64
	Attempt   int
	State     SessionState
	// CreatedAt is the server's clock when the session began; the resume
	// window counts from it.
	CreatedAt time.Time
	// ClientStartedAt is the student's clock at the start. Capture times of
	// frames and events are on that clock, so the timeline uses it as origin.
	ClientStartedAt time.Time
	FinishedAt      time.Time // server clock; zero until finished
	// LastCaptureAt is the latest capture time seen (client clock).
	LastCaptureAt time.Time
	// RecordedFrom is when the recording began: the capture time of the
	// earliest webcam frame, video or audio chunk (zero until one arrives).
	// The exam is timed from it; before it the student was in the system
	// check and the photos.
	RecordedFrom time.Time
	// LMSAttempt is the LMS's own attempt number when it sent one, else 0.
	LMSAttempt int
	Verdict    Verdict
	// ReviewedVerdict is the verdict once excused violations are left out;
	// empty until the session is marked reviewed.
	ReviewedVerdict Verdict
	Reviewed        bool
	ReviewedBy      int64
	ReviewedAt      time.Time
	AnalyzedAt      time.Time
	// Sources lists which capture sources reported (browser, extension, agent).
	Sources []string
	// MediaPurgedAt is when the retention policy deleted the session's
	// media (zero: kept); Purged says what there was.
	MediaPurgedAt time.Time
	Purged        MediaCounts
}

// Duration is the recorded span of the session: from the first recorded
// media to the latest capture. Zero until something was recorded.
func (s *Session) Duration() time.Duration {
	if s.RecordedFrom.IsZero() || s.LastCaptureAt.Before(s.RecordedFrom) {
		return 0
	}
	return s.LastCaptureAt.Sub(s.RecordedFrom)
}

// Origin is the moment the session's timeline counts from: the recording's
// start, or the client's start while nothing was recorded.
func (s *Session) Origin() time.Time {
	if !s.RecordedFrom.IsZero() {
		return s.RecordedFrom
	}
	return s.ClientStartedAt
}

// BeforeRecording is the time the student spent before the recording
// began (system check, photos): shown as such, never as exam time.
func (s *Session) BeforeRecording() time.Duration {
	if s.RecordedFrom.IsZero() || s.ClientStartedAt.IsZero() || s.RecordedFrom.Before(s.ClientStartedAt) {
		return 0
	}
	return s.RecordedFrom.Sub(s.ClientStartedAt)
}

// AttemptLabel is the attempt as the LMS numbers it when it said, else Vigil's.
func (s *Session) AttemptLabel() int {
	if s.LMSAttempt > 0 {
		return s.LMSAttempt
	}
	return s.Attempt
}

// MoveTo changes the state, refusing moves the state machine does not allow.
func (s *Session) MoveTo(next SessionState) error {
	if !s.State.CanMove(next) {
		return E(CodeConflict, "a session that is %s cannot become %s", s.State, next).
			Wrap(fmt.Errorf("proctor: session %d: %s -> %s", s.ID, s.State, next))
	}
	s.State = next
	return nil
}

// ResumableAt reports whether uploads are still allowed at server time now.
func (s *Session) ResumableAt(now time.Time) bool {
	return s.State.AcceptsUploads() && now.Sub(s.CreatedAt) <= ResumeWindow
}

// Offset converts a capture time to milliseconds from the session's start.
func (s *Session) Offset(t time.Time) int64 {
	return t.Sub(s.Origin()).Milliseconds()
}
