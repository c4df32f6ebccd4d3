package ingest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// CompanionConfig is what a paired companion reads: whether to go on
// reporting, where its batches stand, and what the exam's rules look at
// (so it sends nothing else).
type CompanionConfig struct {
	SessionID int64                `json:"session_id"`
	Kind      string               `json:"kind"`
	State     proctor.SessionState `json:"state"`
	// Live: uploads are accepted; when false the companion stops.
	Live bool `json:"live"`
	// Recording: the exam itself has begun (the first webcam frame).
	Recording      bool  `json:"recording"`
	NextEventBatch int64 `json:"next_event_batch"`
	ReportSeconds  int   `json:"report_seconds"`
	// The desktop agent reports running apps whose names are in ReportApps
	// (and no others); it sends a window's title only for an app in front
	// that is not in AllowedInFront.
	ReportApps     []string `json:"report_apps,omitempty"`
	AllowedInFront []string `json:"allowed_in_front,omitempty"`
	// The browser extension: ExamURLs are the exam's own pages (Vigil's
	// proctoring window, the LMS quiz) where its keys are not reported
	// twice and the access code is filled; QuizURL is the LMS quiz.
	ExamURLs        []string `json:"exam_urls,omitempty"`
	WhitelistedURLs []string `json:"whitelisted_urls,omitempty"`
	QuizURL         string   `json:"quiz_url,omitempty"`
}

// CompanionConfig answers a companion of source on session sess; vigilURL
// is how students reach this server.
func (s *Service) CompanionConfig(ctx context.Context, sess *proctor.Session, source, vigilURL string) (*CompanionConfig, error) {
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, err
	}
	acc, err := s.store.GetAccommodation(ctx, sess.ExamID, sess.StudentID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	set := exam.Settings.Apply(acc)
	c := &CompanionConfig{SessionID: sess.ID, Kind: source, State: sess.State, Live: sess.ResumableAt(s.now()),
		Recording: sess.State == proctor.StateInProgress, ReportSeconds: ReportSeconds}
	if c.NextEventBatch, err = s.store.NextEventBatch(ctx, sess.ID, source); err != nil {
		return nil, err
	}
	if source == proctor.SourceAgent {
		c.ReportApps, c.AllowedInFront = appLists(&set)
		return c, nil
	}
	if c.QuizURL, err = store.QuizURL(ctx, s.store, exam); err != nil {
		return nil, err
	}
	c.ExamURLs = ExamURLs(vigilURL, c.QuizURL)
	c.WhitelistedURLs = slices.Clone(set.WhitelistedURLs)
	return c, nil
}

// ExamURLs are an exam's own pages: Vigil itself (the proctoring window)
// and the LMS quiz when there is one.
func ExamURLs(vigilURL, quizURL string) []string {
	out := []string{strings.TrimRight(vigilURL, "/") + "/"}
	if quizURL != "" {
		out = append(out, quizURL)
	}
	return out
}

// appLists are the names the agent reports and the apps fine in front.
func appLists(set *proctor.Settings) (report, inFront []string) {
	report = append(slices.Clone(set.BlacklistedApps), set.WhitelistedApps...)
	inFront = append(slices.Clone(set.WhitelistedApps), proctor.Browsers...)
	if set.UseDefaultApps {
		for _, names := range proctor.DefaultBlacklist {
			report = append(report, names...)
		}
		report = append(report, proctor.DefaultAllowed...)
		for _, a := range proctor.DefaultAllowed {
			if !proctor.AppListed(set.BlacklistedApps, a) {
				inFront = append(inFront, a)
			}
		}
	}
	slices.Sort(report)
	return slices.Compact(report), inFront
}

// CompanionState is how a companion stands, for the proctoring window.
type CompanionState struct {
	Required  bool      `json:"required"`
	Paired    bool      `json:"paired"`
	Connected bool      `json:"connected"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
}

// Companions tells the proctoring window whether each companion is paired
// and reporting (a batch within ConnectedWithin).
func (s *Service) Companions(ctx context.Context, sess *proctor.Session) (map[string]CompanionState, error) {
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, err
	}
	out := map[string]CompanionState{}
	required := map[string]bool{proctor.SourceAgent: exam.Settings.RequireAgent, proctor.SourceExtension: exam.Settings.RequireExtension}
	for source, req := range required {
		st := CompanionState{Required: req}
		toks, err := s.store.ListSessionTokens(ctx, sess.ID, source)
		if err != nil {
			return nil, err
		}
		times, err := s.store.ListEventBatchTimes(ctx, sess.ID, source)
		if err != nil {
			return nil, err
		}
		st.Paired = len(toks) > 0
		if len(times) > 0 {
			st.LastSeen = times[len(times)-1]
			st.Connected = s.now().Sub(st.LastSeen) <= ConnectedWithin
		}
		out[source] = st
	}
	return out, nil
}
