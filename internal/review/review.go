// Package review is the instructor's side: read models for the dashboard
// pages, decisions on violations, notes, the reviewed mark, and the audit
// entries all of these leave. Every read checks that the user may see the
// course; a course the user may not see is reported as not found.
package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Service serves the dashboard.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns a Service.
func New(st Store, now func() time.Time) *Service { return &Service{store: st, now: now} }

// Actor is who is asking, and from where (for the audit log).
type Actor struct {
	User   *proctor.User
	Remote string
}

var errNotFound = proctor.E(proctor.CodeNotFound, "not found, or not in one of your courses")

// errReadOnly refuses a change to a member whose role only reads.
var errReadOnly = proctor.E(proctor.CodeForbidden,
	"your role in this course lets you review sessions but not change anything: ask one of its instructors")

// roleIn is what the actor may do in a course: Vigil's administrators
// everything, members what their course role says; anyone else is told
// the course is not found.
func (s *Service) roleIn(ctx context.Context, a Actor, courseID int64) (proctor.CourseRole, error) {
	if a.User == nil {
		return "", errNotFound
	}
	if a.User.Role == proctor.RoleAdmin {
		return proctor.CourseInstructor, nil
	}
	role, err := s.store.CourseRole(ctx, courseID, a.User.ID)
	if err != nil {
		return "", err
	}
	if role == "" {
		return "", errNotFound
	}
	return role, nil
}

// canSee reports whether the actor may see a course.
func (s *Service) canSee(ctx context.Context, a Actor, courseID int64) error {
	_, err := s.roleIn(ctx, a, courseID)
	return err
}

// canChange reports whether the actor may change things in a course:
// decide, note, mark reviewed, change settings, issue links, export.
func (s *Service) canChange(ctx context.Context, a Actor, courseID int64) error {
	role, err := s.roleIn(ctx, a, courseID)
	if err == nil && !role.MayChange() {
		err = errReadOnly
	}
	return err
}

// check is canSee or canChange.
type check func(ctx context.Context, a Actor, courseID int64) error

// notFound maps store.ErrNotFound to the user-facing not-found error.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	return err
}

// audit appends an entry; the action has already happened, so a failure is
// returned for the caller to log but is not hidden.
func (s *Service) audit(ctx context.Context, q auditor, a Actor, action string, courseID int64, subject, detail string) error {
	e := &proctor.AuditEntry{At: s.now(), Action: action, CourseID: courseID, Subject: subject, Detail: detail, Remote: a.Remote}
	if a.User != nil {
		e.UserID, e.Actor = a.User.ID, a.User.Email
	}
	if err := q.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("review: audit %s: %w", action, err)
	}
	return nil
}

// Courses lists the courses the actor may see.
func (s *Service) Courses(ctx context.Context, a Actor) ([]proctor.Course, error) {
	return s.store.ListCoursesForUser(ctx, a.User.ID)
}

// CoursePage is the course dashboard: every exam with its proctoring
// state, and how long the course's media is kept.
type CoursePage struct {
	Course    *proctor.Course
	Exams     []store.ExamSummary
	Retention CourseRetention
	// MayChange: the viewer may change the course (not a reviewer).
	MayChange bool
}

// Course returns a course's dashboard.
func (s *Service) Course(ctx context.Context, a Actor, courseID int64) (*CoursePage, error) {
	if err := s.canSee(ctx, a, courseID); err != nil {
		return nil, err
	}
	c, err := s.store.GetCourse(ctx, courseID)
	if err != nil {
		return nil, notFound(err)
	}
	p := &CoursePage{Course: c, MayChange: s.canChange(ctx, a, courseID) == nil}
	if p.Exams, err = s.store.ListExams(ctx, courseID); err != nil {
		return nil, err
	}
	p.Retention, err = s.courseRetention(ctx, c)
	return p, err
}

// sessionScope loads a session with its exam, checking the actor may see
// it (or, with s.canChange, change it).
func (s *Service) sessionScope(ctx context.Context, a Actor, sessionID int64, may check) (*proctor.Session, *proctor.Exam, error) {
	sess, err := s.store.GetSession(ctx, sessionID)
	if err != nil {
		return nil, nil, notFound(err)
	}
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, nil, notFound(err)
	}
	if err := may(ctx, a, exam.CourseID); err != nil {
		return nil, nil, err
	}
	return sess, exam, nil
}

// AuthorizeExam checks the actor may see an exam's course, and returns the
// exam.
func (s *Service) AuthorizeExam(ctx context.Context, a Actor, examID int64) (*proctor.Exam, error) {
	exam, err := s.store.GetExam(ctx, examID)
	if err != nil {
		return nil, notFound(err)
	}
	return exam, s.canSee(ctx, a, exam.CourseID)
}

// examPage is what every page of an exam starts with: the exam, checked
// that the actor may see its course, and the course.
func (s *Service) examPage(ctx context.Context, a Actor, examID int64) (*proctor.Exam, *proctor.Course, error) {
	exam, err := s.AuthorizeExam(ctx, a, examID)
	if err != nil {
		return nil, nil, err
	}
	course, err := s.store.GetCourse(ctx, exam.CourseID)
	if err != nil {
		return nil, nil, err
	}
	return exam, course, nil
}

// AuthorizeSession checks the actor may see a session (for media reads).
func (s *Service) AuthorizeSession(ctx context.Context, a Actor, sessionID int64) (*proctor.Session, error) {
	sess, _, err := s.sessionScope(ctx, a, sessionID, s.canSee)
	return sess, err
}

// AuthorizeSessionChange checks the actor may act on a session (an LMS
// control request).
func (s *Service) AuthorizeSessionChange(ctx context.Context, a Actor, sessionID int64) (*proctor.Session, error) {
	sess, _, err := s.sessionScope(ctx, a, sessionID, s.canChange)
	return sess, err
}

// AuthorizeExamChange checks the actor may change an exam (its settings,
// its session links), and returns the exam.
func (s *Service) AuthorizeExamChange(ctx context.Context, a Actor, examID int64) (*proctor.Exam, error) {
	exam, err := s.store.GetExam(ctx, examID)
	if err != nil {
		return nil, notFound(err)
	}
	return exam, s.canChange(ctx, a, exam.CourseID)
}

// AuthorizeCourseChange checks the actor may change a course (proctor its
// quizzes, connect it to Canvas, place exams in it, ask to enable it).
func (s *Service) AuthorizeCourseChange(ctx context.Context, a Actor, courseID int64) error {
	return s.canChange(ctx, a, courseID)
}

// MayChange reports whether the actor may change things in a course, so
// pages offer only what will be accepted.
func (s *Service) MayChange(ctx context.Context, a Actor, courseID int64) bool {
	return s.canChange(ctx, a, courseID) == nil
}

// Decide records an instructor's decision on a violation, and recomputes
// the reviewed verdict.
func (s *Service) Decide(ctx context.Context, a Actor, violationID int64, d proctor.Decision, note string) (*proctor.Violation, error) {
	if !d.Valid() {
		return nil, proctor.E(proctor.CodeInvalid, "decision must be confirmed, excused or empty")
	}
	if len(note) > maxNote {
		return nil, proctor.E(proctor.CodeInvalid, "the note is longer than %d characters", maxNote)
	}
	v, err := s.store.GetViolation(ctx, violationID)
	if err != nil {
		return nil, notFound(err)
	}
	sess, exam, err := s.sessionScope(ctx, a, v.SessionID, s.canChange)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DecideViolation(ctx, v.ID, d, note, a.User.ID, s.now()); err != nil {
			return err
		}
		if err := s.refreshVerdict(ctx, tx, sess, exam); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s: %s", v.Type, d.Label(), note)
		return s.audit(ctx, tx, a, proctor.AuditViolationDecide, exam.CourseID, fmt.Sprintf("violation:%d", v.ID), detail)
	})
	v.Decision, v.DecisionNote = d, note
	return v, err
}

// refreshVerdict recomputes the reviewed verdict after a decision.
func (s *Service) refreshVerdict(ctx context.Context, tx store.Tx, sess *proctor.Session, exam *proctor.Exam) error {
	if sess.Verdict == proctor.VerdictNone {
		return nil // not analysed yet
	}
	vs, err := tx.ListViolations(ctx, sess.ID)
	if err != nil {
		return err
	}
	reviewed := analysis.Verdict(exam.Settings.Policy, vs, sess.Duration(), true)
	return tx.SetVerdict(ctx, sess.ID, sess.Verdict, reviewed, sess.AnalyzedAt)
}

// maxNote bounds a note's length.
const maxNote = 4000

// AddNote adds a reviewer's note to a session.
func (s *Service) AddNote(ctx context.Context, a Actor, sessionID int64, body string) error {
	if body == "" || len(body) > maxNote {
		return proctor.E(proctor.CodeInvalid, "a note needs 1 to %d characters", maxNote)
	}
	_, exam, err := s.sessionScope(ctx, a, sessionID, s.canChange)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AddNote(ctx, &proctor.Note{SessionID: sessionID, AuthorID: a.User.ID, Body: body, CreatedAt: s.now()}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, proctor.AuditSessionNote, exam.CourseID, fmt.Sprintf("session:%d", sessionID), "")
	})
}

// MarkReviewed sets or clears the session's reviewed mark.
func (s *Service) MarkReviewed(ctx context.Context, a Actor, sessionID int64, reviewed bool) error {
	_, exam, err := s.sessionScope(ctx, a, sessionID, s.canChange)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetReviewed(ctx, sessionID, reviewed, a.User.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, proctor.AuditSessionReviewed, exam.CourseID, fmt.Sprintf("session:%d", sessionID), fmt.Sprintf("reviewed=%v", reviewed))
	})
}

// AuditMedia records a download of session media (video files).
func (s *Service) AuditMedia(ctx context.Context, a Actor, sess *proctor.Session, what string) error {
	exam, err := s.store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return err
	}
	return s.audit(ctx, s.store, a, proctor.AuditMediaView, exam.CourseID, fmt.Sprintf("session:%d", sess.ID), what)
}
