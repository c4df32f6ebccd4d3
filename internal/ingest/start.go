package ingest

import (
	"context"
	"errors"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Started is what a client learns when it starts or resumes a session.
type Started struct {
	Session *proctor.Session
	Exam    *proctor.Exam
	Student *proctor.Student
	// Token authenticates uploads to this session; it is shown only here.
	Token   string
	Resumed bool
	Status  Status
}

// tokenLife: a session token works for the resume window plus a margin.
const tokenLife = proctor.ResumeWindow + time.Hour

// Start opens the session of a session link: the one it opened before, the
// student's open session (same attempt, within the resume window), a
// finished one to show its receipt, or a new attempt (linkSession).
// clientStartedAt is the student's clock; zero means "now".
func (s *Service) Start(ctx context.Context, linkToken string, clientStartedAt time.Time) (*Started, error) {
	now := s.now()
	link, err := s.store.GetSessionLink(ctx, auth.HashToken(linkToken))
	if errors.Is(err, store.ErrNotFound) {
		return nil, proctor.E(proctor.CodeUnauthenticated, "this session link is not valid: ask your instructor for the exam's link")
	}
	if err != nil {
		return nil, err
	}
	if now.After(link.ExpiresAt) {
		return nil, proctor.E(proctor.CodeUnauthenticated, "this session link expired on %s: ask your instructor for a new one", link.ExpiresAt.Format("2 Jan 2006 15:04 MST"))
	}
	if clientStartedAt.IsZero() {
		clientStartedAt = now
	}
	if clientStartedAt.Before(now.Add(-proctor.ResumeWindow)) || clientStartedAt.After(now.Add(clockSkewAfter)) {
		return nil, proctor.E(proctor.CodeBadTimestamp, "the start time %s is too far from the server's clock", clientStartedAt.Format(time.RFC3339))
	}
	st := &Started{}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		return s.startTx(ctx, tx, link, clientStartedAt, st)
	})
	if err != nil {
		return nil, err
	}
	st.Status, err = s.status(ctx, st.Session)
	return st, err
}

func (s *Service) startTx(ctx context.Context, tx store.Tx, link *store.SessionLink, clientStartedAt time.Time, st *Started) error {
	now := s.now()
	var err error
	if st.Exam, err = tx.GetExam(ctx, link.ExamID); err != nil {
		return err
	}
	course, err := tx.GetCourse(ctx, st.Exam.CourseID)
	if err != nil {
		return err
	}
	if !course.Enabled {
		return proctor.E(proctor.CodeForbidden, "proctoring with Vigil is not enabled for this course yet: ask your instructor")
	}
	if st.Student, err = tx.GetStudent(ctx, link.StudentID); err != nil {
		return err
	}
	if st.Session, st.Resumed, err = s.linkSession(ctx, tx, link, clientStartedAt); err != nil {
		return err
	}
	token, hash := auth.NewToken()
	st.Token = token
	expires := st.Session.CreatedAt.Add(tokenLife)
	if !st.Session.ResumableAt(now) {
		// A finished session's page reads its receipt and review; its
		// uploads are refused whatever the token.
		expires = now.Add(viewTokenLife)
	}
	return tx.AddSessionToken(ctx, &store.SessionToken{Hash: hash, SessionID: st.Session.ID, Source: proctor.SourceBrowser,
		CreatedAt: now, ExpiresAt: expires})
}

// viewTokenLife: a token for a finished session (its receipt, its
// released review) works for a working day.
const viewTokenLife = 12 * time.Hour

// linkSession is the session a link opens: the one it opened before; else
// the student's open attempt; else, when the latest attempt is over, that
// attempt again unless the link may start a new one; else a new attempt.
// The link is then bound to it, so it never starts another.
func (s *Service) linkSession(ctx context.Context, tx store.Tx, link *store.SessionLink, clientStartedAt time.Time) (*proctor.Session, bool, error) {
	if link.SessionID != 0 {
		sess, err := tx.GetSession(ctx, link.SessionID)
		return sess, true, err
	}
	now := s.now()
	sess, err := tx.LatestSession(ctx, link.ExamID, link.StudentID)
	resumed := err == nil && (sess.ResumableAt(now) || !link.NewAttempt)
	switch {
	case resumed:
	case err == nil || errors.Is(err, store.ErrNotFound):
		sess = &proctor.Session{ExamID: link.ExamID, StudentID: link.StudentID, CreatedAt: now, ClientStartedAt: clientStartedAt}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, err
	}
	return sess, resumed, tx.BindSessionLink(ctx, link.TokenHash, sess.ID)
}

// Status is what a resuming client needs: where each upload stream stands.
type Status struct {
	State          proctor.SessionState `json:"state"`
	NextFrame      int64                `json:"next_frame"`
	NextEventBatch int64                `json:"next_event_batch"`
	NextAudio      int64                `json:"next_audio"`
	NextChunk      map[string]int64     `json:"next_chunk"`
	// Photos lists the next attempt number per purpose and kind,
	// e.g. {"verification/face": 3}.
	NextPhotoAttempt map[string]int `json:"next_photo_attempt"`
	FrameInterval    float64        `json:"frame_interval_seconds"`
	ResumableUntil   time.Time      `json:"resumable_until"`
	// OnboardingComplete: the student has a passing face photo and photo ID
	// on file, so onboarding is skipped.
	OnboardingComplete bool `json:"onboarding_complete"`
	// Exam is what the client must do for this exam.
	Exam ExamRules `json:"exam"`
}

// ExamRules are the exam settings a capture client acts on.
type ExamRules struct {
	RequireScreenShare bool `json:"require_screen_share"`
	QuizInWindow       bool `json:"quiz_in_window"`
	IdentityFace       bool `json:"identity_face"`
	IdentityID         bool `json:"identity_id"`
	IdentityRoom       bool `json:"identity_room"`
	// RequireAgent and RequireExtension: the exam cannot start until the
	// companion is paired and reporting (docs/COMPANIONS.md).
	RequireAgent     bool `json:"require_agent"`
	RequireExtension bool `json:"require_extension"`
}

// Status reports a session's upload positions.
func (s *Service) Status(ctx context.Context, sess *proctor.Session) (Status, error) {
	return s.status(ctx, sess)
}

func (s *Service) status(ctx context.Context, sess *proctor.Session) (Status, error) {
	st := Status{State: sess.State, NextChunk: map[string]int64{}, NextPhotoAttempt: map[string]int{},
		ResumableUntil: sess.CreatedAt.Add(proctor.ResumeWindow)}
	var err error
	if st.NextFrame, err = s.store.NextFrameSeq(ctx, sess.ID); err != nil {
		return st, err
	}
	if st.NextEventBatch, err = s.store.NextEventBatch(ctx, sess.ID, proctor.SourceBrowser); err != nil {
		return st, err
	}
	if st.NextAudio, err = s.store.NextAudioSeq(ctx, sess.ID); err != nil {
		return st, err
	}
	for _, stream := range []string{proctor.StreamWebcam, proctor.StreamScreen} {
		if st.NextChunk[stream], err = s.store.NextChunkSeq(ctx, sess.ID, stream); err != nil {
			return st, err
		}
	}
	if err := s.photoAttempts(ctx, sess.ID, st.NextPhotoAttempt); err != nil {
		return st, err
	}
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return st, err
	}
	st.FrameInterval = exam.Settings.FrameIntervalSeconds
	x := &exam.Settings
	st.Exam = ExamRules{RequireScreenShare: x.RequireScreenShare, QuizInWindow: x.QuizInWindow,
		IdentityFace: x.IdentityFace, IdentityID: x.IdentityID, IdentityRoom: x.IdentityRoom,
		RequireAgent: x.RequireAgent, RequireExtension: x.RequireExtension}
	st.OnboardingComplete, err = s.onboarded(ctx, sess.StudentID)
	return st, err
}

// onboarded reports whether a student has a passing face photo and ID.
func (s *Service) onboarded(ctx context.Context, studentID int64) (bool, error) {
	photos, err := s.store.ListStudentPhotos(ctx, studentID, proctor.PurposeOnboarding)
	done, _ := proctor.Onboarded(photos)
	return done, err
}

func (s *Service) photoAttempts(ctx context.Context, sessionID int64, next map[string]int) error {
	for _, purpose := range []proctor.PhotoPurpose{proctor.PurposeOnboarding, proctor.PurposeVerification} {
		photos, err := s.store.ListPhotos(ctx, sessionID, purpose)
		if err != nil {
			return err
		}
		for _, kind := range []proctor.PhotoKind{proctor.PhotoFace, proctor.PhotoID, proctor.PhotoRoom} {
			next[string(purpose)+"/"+string(kind)] = 1
		}
		for _, p := range photos {
			k := string(purpose) + "/" + string(p.Kind)
			next[k] = max(next[k], p.Attempt+1)
		}
	}
	return nil
}
