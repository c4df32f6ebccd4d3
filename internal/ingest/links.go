package ingest

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/auth"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// LinkRequest asks for a session link: one student, one exam.
type LinkRequest struct {
	ExamID, StudentID int64
	TTL               time.Duration // how long the link may start sessions
	// LatestOnly: the link opens the student's latest attempt at the exam
	// and starts one only when there is none (an LMS exam link, opened
	// again and again). Otherwise it may start a new attempt once the
	// latest is over (a link an instructor or LTI Proctoring gives).
	LatestOnly bool
	// SessionID ties the link to one session from the start (the link a
	// student is mailed when their review is released).
	SessionID int64
	// For the audit log: the dashboard user asking (0 for a tool), the
	// name recorded, and where the request came from.
	UserID        int64
	Actor, Remote string
}

// IssuedLink is a new session link: its token, shown once and kept only
// as a hash, the student it is for and when it stops starting sessions.
type IssuedLink struct {
	Token     string
	Student   *proctor.Student
	ExpiresAt time.Time
}

// IssueLink stores a new session link and returns its token, which is shown
// once and kept only as a hash. The student must be in the exam's course
// (and the session, when one is named, theirs at that exam).
func IssueLink(ctx context.Context, st LinkStore, req LinkRequest) (string, error) {
	return IssueLinkAt(ctx, st, req, time.Now().UTC())
}

// IssueLinkAt is IssueLink on a given clock.
func IssueLinkAt(ctx context.Context, st LinkStore, req LinkRequest, now time.Time) (string, error) {
	l, err := issueLink(ctx, st, req, now)
	if err != nil {
		return "", err
	}
	return l.Token, nil
}

// IssueLink is IssueLink on the service's store and clock.
func (s *Service) IssueLink(ctx context.Context, req LinkRequest) (*IssuedLink, error) {
	return issueLink(ctx, s.store, req, s.now())
}

func issueLink(ctx context.Context, st LinkStore, req LinkRequest, now time.Time) (*IssuedLink, error) {
	ex, err := st.GetExam(ctx, req.ExamID)
	if err != nil {
		return nil, fmt.Errorf("exam %d: %w", req.ExamID, err)
	}
	s, err := st.GetStudent(ctx, req.StudentID)
	if err != nil {
		return nil, fmt.Errorf("student %d: %w", req.StudentID, err)
	}
	if s.CourseID != ex.CourseID {
		return nil, proctor.E(proctor.CodeInvalid, "student %d is not in the course of exam %d", req.StudentID, req.ExamID)
	}
	if req.SessionID != 0 {
		sess, err := st.GetSession(ctx, req.SessionID)
		if err != nil || sess.ExamID != req.ExamID || sess.StudentID != req.StudentID {
			return nil, proctor.E(proctor.CodeInvalid, "session %d is not this student's attempt at exam %d", req.SessionID, req.ExamID)
		}
	}
	if req.TTL <= 0 {
		return nil, proctor.E(proctor.CodeInvalid, "a session link needs a positive lifetime")
	}
	tok, hash := auth.NewToken()
	link := &store.SessionLink{TokenHash: hash, ExamID: req.ExamID, StudentID: req.StudentID, CreatedAt: now, ExpiresAt: now.Add(req.TTL),
		NewAttempt: !req.LatestOnly, SessionID: req.SessionID}
	err = st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateSessionLink(ctx, link); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &proctor.AuditEntry{At: now, UserID: req.UserID, Actor: req.Actor, Action: proctor.AuditSessionLink,
			CourseID: ex.CourseID, Subject: fmt.Sprintf("exam:%d student:%d", req.ExamID, req.StudentID), Remote: req.Remote})
	})
	if err != nil {
		return nil, err
	}
	return &IssuedLink{Token: tok, Student: s, ExpiresAt: link.ExpiresAt}, nil
}
