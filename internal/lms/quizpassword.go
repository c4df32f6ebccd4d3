package lms

import (
	"context"
	"errors"
	"fmt"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// The quiz password: gating an LMS quiz with no Moodle plugin and no LTI
// Proctoring Services. The instructor pastes the exam's password once into
// the LMS's quiz (Moodle: "Require password"; Canvas New or Classic
// Quizzes: the access code); Vigil shows it to a student only while that
// student's recording runs and is healthy (proctor.RecordingActivity.
// Healthy), so a student who opens the quiz without Vigil, or whose
// recording stops, cannot get in. docs/MOODLE.md walks through it.

// QuizPassword returns an exam's quiz password (ErrNotFound: none).
func (s *Service) QuizPassword(ctx context.Context, examID int64) (*proctor.QuizPassword, error) {
	return s.Store.GetQuizPassword(ctx, examID)
}

// MakeQuizPassword gives an exam a new quiz password (a first one, or a new
// one in place of the old: the LMS's quiz must then be given the new one).
// Each exam has its own.
func (s *Service) MakeQuizPassword(ctx context.Context, who Who, examID int64) (*proctor.QuizPassword, error) {
	exam, err := s.Store.GetExam(ctx, examID)
	if err != nil {
		return nil, err
	}
	qp := &proctor.QuizPassword{ExamID: exam.ID, Password: accessCode(), CreatedAt: s.Now()}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.GetQuizPassword(ctx, exam.ID)
		action := "made"
		if err == nil {
			action = "replaced (rotated)"
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.SetQuizPassword(ctx, qp); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditQuizPassword, exam.CourseID, fmt.Sprintf("exam:%d", exam.ID), "quiz password "+action)
	})
	return qp, err
}

// RemoveQuizPassword takes an exam's quiz password away (the LMS's quiz
// must then stop asking for it).
func (s *Service) RemoveQuizPassword(ctx context.Context, who Who, examID int64) error {
	exam, err := s.Store.GetExam(ctx, examID)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteQuizPassword(ctx, exam.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditQuizPassword, exam.CourseID, fmt.Sprintf("exam:%d", exam.ID), "quiz password removed")
	})
}

// Gate is what a student's proctoring window may show of the exam's quiz
// password (or Canvas access code) now.
type Gate struct {
	// Kind: "password" (pasted by the instructor into the LMS's quiz) or
	// "access_code" (set by Vigil on a Canvas quiz through its API).
	Kind string
	// Shown: the recording runs and is healthy; Secret is then set.
	Shown  bool
	Secret string
	// Reason says why it is hidden, for the student.
	Reason string
	// FilledByExtension: the exam requires the browser extension, which
	// fills the Canvas access code in itself (AccessCode); the proctoring
	// window must not show it to the student.
	FilledByExtension bool
}

// HasCanvasAccessCode says whether the exam proctors a Canvas quiz whose
// access code Vigil set.
func (s *Service) HasCanvasAccessCode(ctx context.Context, examID int64) bool {
	q, err := s.Store.GetLMSQuiz(ctx, examID)
	return err == nil && q.AccessCode != ""
}

// QuizGate reveals the exam's quiz password — or, for a Canvas quiz Vigil
// proctors through the API, its access code — to a session whose
// recording runs and is healthy, and hides it otherwise. An exam with
// neither is ErrNotFound-like (CodeNotFound).
func (s *Service) QuizGate(ctx context.Context, sess *proctor.Session) (*Gate, error) {
	exam, err := s.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, err
	}
	g := &Gate{Kind: "password"}
	secret := ""
	if qp, err := s.Store.GetQuizPassword(ctx, exam.ID); err == nil {
		secret = qp.Password
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	} else if q, err := s.Store.GetLMSQuiz(ctx, exam.ID); err == nil && q.AccessCode != "" {
		g.Kind, secret = "access_code", q.AccessCode
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if secret == "" {
		return nil, proctor.E(proctor.CodeNotFound, "this exam has no quiz password")
	}
	g.FilledByExtension = g.Kind == "access_code" && exam.Settings.RequireExtension
	if !sess.ResumableAt(s.Now()) {
		g.Reason = "this session has ended"
		return g, nil
	}
	a, err := s.Store.RecordingActivity(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	if ok, why := a.Healthy(s.Now(), sess, exam.Settings); !ok {
		g.Reason = why
		return g, nil
	}
	g.Shown, g.Secret = true, secret
	return g, nil
}
