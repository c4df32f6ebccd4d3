package lms

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"vigil/internal/auth"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// startProctoring answers LtiStartProctoring: the exam is the platform's
// assessment (made on first use), the session is opened now so the attempt
// can be remembered, and the student goes through Vigil's checks before
// Vigil lets the assessment start (StartAssessment).
func (s *Service) startProctoring(ctx context.Context, l *lti.Launch, out *Outcome) (*Outcome, error) {
	var exam *proctor.Exam
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		exam, err = s.examForLaunch(ctx, tx, out.Course, l, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The LMS starts attempts here: a new one after a finished one.
	if _, err := s.studentExam(ctx, out, exam, false); err != nil {
		return nil, err
	}
	started, err := s.Ingest.Start(ctx, out.StudentLink, s.Now())
	if err != nil {
		return nil, err
	}
	pr := l.Proctoring
	// The registration that launched: its client id signs what goes back.
	pl := &proctor.ProctoringLaunch{SessionID: started.Session.ID, PlatformID: l.PlatformID, DeploymentID: l.DeploymentID,
		ResourceLinkID: l.ResourceLink.ID, UserSub: l.Sub, AttemptNumber: pr.AttemptNumber, SessionData: pr.SessionData,
		StartAssessmentURL: pr.StartAssessmentURL, ACSURL: pr.ACSURL, ACSActions: pr.ACSActions, EndAssessmentReturn: pr.EndAssessmentReturn}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SaveProctoringLaunch(ctx, pl); err != nil {
			return err
		}
		// The LMS numbers attempts its own way (a retake after a reset, an
		// attempt begun elsewhere): the session shows the LMS's number.
		return tx.SetLMSAttempt(ctx, started.Session.ID, pr.AttemptNumber)
	})
	if err != nil {
		return nil, err
	}
	out.Kind, out.SessionID = GoProctoring, started.Session.ID
	return out, nil
}

// endAssessment answers LtiEndAssessment: the platform says the attempt
// is over; the student finishes the recording in the proctoring window.
func (s *Service) endAssessment(ctx context.Context, l *lti.Launch, out *Outcome) (*Outcome, error) {
	var exam *proctor.Exam
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		exam, err = s.examForLaunch(ctx, tx, out.Course, l, false)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return info("Vigil has no proctored attempt for this assessment."), nil
	}
	if err != nil {
		return nil, err
	}
	sess, err := s.Store.LatestSession(ctx, exam.ID, out.Student.ID)
	if err != nil {
		return info("Vigil has no proctored attempt for this assessment."), nil
	}
	pl, err := s.Store.GetProctoringLaunch(ctx, sess.ID)
	if err == nil && pl.AttemptNumber == l.Proctoring.AttemptNumber && pl.EndedAt.IsZero() {
		pl.EndedAt = s.Now()
		err = s.Store.SaveProctoringLaunch(ctx, pl)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	out.Kind, out.Exam, out.SessionID = GoEndAssessment, exam, sess.ID
	return out, s.audit(ctx, s.Store, Who{Name: fmt.Sprintf("student:%d", out.Student.ID)}, proctor.AuditAssessmentEnd, out.Course.ID,
		fmt.Sprintf("session:%d", sess.ID), fmt.Sprintf("attempt %d", l.Proctoring.AttemptNumber))
}

// ProctoringState says whether an LTI Proctoring attempt may start: the
// recording has begun (a frame has arrived).
type ProctoringState struct {
	Ready   bool
	Started bool // Vigil already let the assessment start
}

// proctoringAttempt checks that the session link token belongs to the
// session (the page that asks holds it) and loads the attempt.
func (s *Service) proctoringAttempt(ctx context.Context, sessionID int64, linkToken string) (*proctor.Session, *proctor.ProctoringLaunch, error) {
	sess, err := s.Store.GetSession(ctx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	link, err := s.Store.GetSessionLink(ctx, auth.HashToken(linkToken))
	if err != nil || link.ExamID != sess.ExamID || link.StudentID != sess.StudentID {
		return nil, nil, store.ErrNotFound
	}
	pl, err := s.Store.GetProctoringLaunch(ctx, sessionID)
	return sess, pl, err
}

// Proctoring reports an attempt's state to its launch page.
func (s *Service) Proctoring(ctx context.Context, sessionID int64, linkToken string) (*ProctoringState, error) {
	sess, pl, err := s.proctoringAttempt(ctx, sessionID, linkToken)
	if err != nil {
		return nil, err
	}
	frames, err := s.Store.NextFrameSeq(ctx, sess.ID)
	return &ProctoringState{Ready: frames > 0 && sess.State == proctor.StateInProgress, Started: !pl.StartedAt.IsZero()}, err
}

// StartAssessment signs the LtiStartAssessment message once the recording
// has begun, and returns where to post it.
func (s *Service) StartAssessment(ctx context.Context, sessionID int64, linkToken string) (url, jwt string, err error) {
	st, err := s.Proctoring(ctx, sessionID, linkToken)
	if err != nil {
		return "", "", err
	}
	if !st.Ready {
		return "", "", proctor.E(proctor.CodeConflict, "the recording has not started yet: finish the checks in the proctoring window first")
	}
	_, pl, err := s.proctoringAttempt(ctx, sessionID, linkToken)
	if err != nil {
		return "", "", err
	}
	p, err := s.Store.GetPlatform(ctx, pl.PlatformID)
	if err != nil {
		return "", "", err
	}
	if jwt, err = s.Keys.StartAssessment(ctx, p, pl); err != nil {
		return "", "", err
	}
	if pl.StartedAt.IsZero() {
		pl.StartedAt = s.Now()
		if err := s.Store.SaveProctoringLaunch(ctx, pl); err != nil {
			return "", "", err
		}
	}
	return pl.StartAssessmentURL, jwt, s.audit(ctx, s.Store, Who{Name: "student"}, proctor.AuditAssessmentStart, 0,
		fmt.Sprintf("session:%d", sessionID), fmt.Sprintf("attempt %d", pl.AttemptNumber))
}

// ControlActions lists the Assessment Control actions the platform offers
// for a session that Vigil lets an instructor send (flag and terminate:
// people decide, never the rules).
func (s *Service) ControlActions(ctx context.Context, sessionID int64) ([]string, error) {
	pl, err := s.Store.GetProctoringLaunch(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || pl.ACSURL == "" {
		return nil, err
	}
	var out []string
	for _, a := range []string{"flag", "terminate"} {
		if slices.Contains(pl.ACSActions, a) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Control sends an instructor's Assessment Control request for a session
// (the caller has checked the instructor may see it).
func (s *Service) Control(ctx context.Context, who Who, sessionID int64, action, note string) (string, error) {
	actions, err := s.ControlActions(ctx, sessionID)
	if err != nil {
		return "", err
	}
	if !slices.Contains(actions, action) {
		return "", proctor.E(proctor.CodeInvalid, "the LMS does not accept %q for this attempt", action)
	}
	pl, err := s.Store.GetProctoringLaunch(ctx, sessionID)
	if err != nil {
		return "", err
	}
	p, err := s.Store.GetPlatform(ctx, pl.PlatformID)
	if err != nil {
		return "", err
	}
	status, err := s.Services.Control(ctx, p, pl, lti.ControlRequest{UserSub: pl.UserSub, ResourceLinkID: pl.ResourceLinkID,
		AttemptNumber: pl.AttemptNumber, Action: action, IncidentTime: s.Now(), IncidentSeverity: 0.5,
		ReasonCode: "vigil_review", ReasonMessage: note})
	if err != nil {
		return "", err
	}
	return status, s.audit(ctx, s.Store, who, proctor.AuditAssessmentAction, 0, fmt.Sprintf("session:%d", sessionID),
		fmt.Sprintf("%s → %s", action, status))
}
