// Package student is the student's side of a session beyond capture: what
// the consent page says (what is recorded, who sees it, how long it is
// kept, the student's accommodations), the consent itself, the receipt of
// what was uploaded, and — where the course allows it and an instructor
// has released the session — the student's own flags with their evidence
// (other people's faces pixelated) and the student's explanation of each,
// which reaches the instructors in a digest mail. Every act and every view
// is in the audit log, under the actor "student:<id>".
//
// Students never sign in: their requests carry the session token the
// capture API issued, already checked by the caller, so every method here
// serves that one session and nothing else.
package student

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/review"
)

// Reviewer is what the student's side needs of the instructors' side:
// who may see or change a session or a course, a session's evidence in
// words, a Background Audio violation's sound and the screen recording at
// a violation's moment.
type Reviewer interface {
	AuthorizeSession(ctx context.Context, a review.Actor, sessionID int64) (*proctor.Session, error)
	AuthorizeSessionChange(ctx context.Context, a review.Actor, sessionID int64) (*proctor.Session, error)
	AuthorizeExam(ctx context.Context, a review.Actor, examID int64) (*proctor.Exam, error)
	AuthorizeCourseChange(ctx context.Context, a review.Actor, courseID int64) error
	MayChange(ctx context.Context, a review.Actor, courseID int64) bool
	EvidenceOf(ctx context.Context, sess *proctor.Session, vs []proctor.Violation) (map[int64]review.Evidence, error)
	Clip(ctx context.Context, blobs blob.Bucket, sess *proctor.Session, v *proctor.Violation) (*review.AudioClip, error)
	ScreenOf(ctx context.Context, sess *proctor.Session, v *proctor.Violation) (*review.Video, time.Duration, error)
}

// Deps are what the Service is built from.
type Deps struct {
	Store  Store
	Blobs  blob.Bucket
	Review Reviewer
	// Faces finds the faces to pixelate in evidence frames.
	Faces analysis.Detector
	Now   func() time.Time
	// BaseURL is how people reach Vigil, for links in mail.
	BaseURL string
	// MailOn: an SMTP server takes Vigil's mail (otherwise it is kept in
	// the outbox for an administrator to read).
	MailOn bool
	// DigestDelay is how long after a student's explanations the digest
	// to the instructors goes out, so that explanations sent together or
	// soon after each other arrive in one mail.
	DigestDelay time.Duration
}

// DefaultDigestDelay gathers a student's explanations into one mail.
const DefaultDigestDelay = 10 * time.Minute

// Service serves the student's side.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service { return &Service{d: d} }

// actor is the audit log's name for a student.
func actor(sess *proctor.Session) string { return fmt.Sprintf("student:%d", sess.StudentID) }

func subject(sess *proctor.Session) string { return fmt.Sprintf("session:%d", sess.ID) }

// audit appends an entry about a session on behalf of its student.
func (s *Service) audit(ctx context.Context, q auditor, sess *proctor.Session, courseID int64, action, detail, remote string) error {
	err := q.AppendAudit(ctx, &proctor.AuditEntry{At: s.d.Now(), Actor: actor(sess), Action: action, CourseID: courseID,
		Subject: subject(sess), Detail: detail, Remote: remote})
	if err != nil {
		return fmt.Errorf("student: audit %s: %w", action, err)
	}
	return nil
}

// scope loads a session's exam and course.
func (s *Service) scope(ctx context.Context, sess *proctor.Session) (*proctor.Exam, *proctor.Course, error) {
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, nil, err
	}
	course, err := s.d.Store.GetCourse(ctx, exam.CourseID)
	return exam, course, err
}
