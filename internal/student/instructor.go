package student

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/review"
	"vigil/internal/store"
)

// The instructors' side of student review: the course's switch, releasing
// a session with a date for explanations, and reading what came back.

// audit records an instructor's act.
func (s *Service) auditBy(ctx context.Context, q auditor, a review.Actor, action string, courseID int64, subject, detail string) error {
	e := &proctor.AuditEntry{At: s.d.Now(), Action: action, CourseID: courseID, Subject: subject, Detail: detail, Remote: a.Remote}
	if a.User != nil {
		e.UserID, e.Actor = a.User.ID, a.User.Email
	}
	if err := q.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("student: audit %s: %w", action, err)
	}
	return nil
}

// SetCourse switches a course's student review on or off.
func (s *Service) SetCourse(ctx context.Context, a review.Actor, courseID int64, on bool) error {
	if err := s.d.Review.AuthorizeCourseChange(ctx, a, courseID); err != nil {
		return err
	}
	return s.d.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetStudentReview(ctx, courseID, on, a.User.ID, s.d.Now()); err != nil {
			return err
		}
		state := "off"
		if on {
			state = "on"
		}
		return s.auditBy(ctx, tx, a, proctor.AuditStudentReviewSetting, courseID, fmt.Sprintf("course:%d", courseID), "student review "+state)
	})
}

// CourseOn reports whether a course's student review is on (for a page
// the caller has authorised).
func (s *Service) CourseOn(ctx context.Context, courseID int64) (bool, error) {
	return s.d.Store.StudentReview(ctx, courseID)
}

// Bounds of the date an instructor gives for explanations.
const (
	minExplainWindow = time.Hour
	maxExplainWindow = 180 * proctor.Day
)

// Release lets a session's student see its flags and answer them until
// until, and mails them a link to it. Releasing again moves the date (and
// mails again).
func (s *Service) Release(ctx context.Context, a review.Actor, sessionID int64, until time.Time) (*proctor.ReviewRelease, error) {
	sess, err := s.d.Review.AuthorizeSessionChange(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	exam, course, err := s.scope(ctx, sess)
	if err != nil {
		return nil, err
	}
	if on, err := s.d.Store.StudentReview(ctx, course.ID); err != nil || !on {
		return nil, errors.Join(err, proctor.E(proctor.CodeConflict, "student review is off for this course: switch it on on the course page first"))
	}
	now := s.d.Now()
	switch {
	case sess.State != proctor.StateAnalyzed:
		return nil, proctor.E(proctor.CodeConflict, "this session is %s: release it once it is ready for review", strings.ToLower(sess.State.Label()))
	case until.Before(now.Add(minExplainWindow)) || until.After(now.Add(maxExplainWindow)):
		return nil, proctor.E(proctor.CodeInvalid, "give the student between an hour and 180 days to explain")
	}
	st, err := s.d.Store.GetStudent(ctx, sess.StudentID)
	if err != nil {
		return nil, err
	}
	var link string
	if st.Email != "" {
		// The mailed link opens this session for as long as the evidence is kept to answer.
		if link, err = ingest.IssueLinkAt(ctx, s.d.Store, ingest.LinkRequest{ExamID: exam.ID, StudentID: st.ID, SessionID: sess.ID,
			TTL: until.Sub(now) + 30*proctor.Day, UserID: a.User.ID, Actor: a.User.Email, Remote: a.Remote}, now); err != nil {
			return nil, err
		}
	}
	rel := &proctor.ReviewRelease{SessionID: sess.ID, ReleasedAt: now, ReleasedBy: a.User.ID, ExplainUntil: until}
	err = s.d.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.ReleaseReview(ctx, rel); err != nil {
			return err
		}
		if link != "" {
			m := s.mail(st.Email, "Your proctored exam "+exam.Title+": review released", releaseBody(st, exam, course, until, s.url("/s/"+link)))
			if err := s.queueMail(ctx, tx, m); err != nil {
				return err
			}
		}
		return s.auditBy(ctx, tx, a, proctor.AuditReviewReleased, course.ID, subject(sess),
			"explanations until "+until.UTC().Format("2 Jan 2006 15:04 MST")+mailedOrNot(link))
	})
	return rel, err
}

func mailedOrNot(link string) string {
	if link == "" {
		return "; the student has no e-mail address on file"
	}
	return "; the student was mailed a link"
}

func releaseBody(st *proctor.Student, exam *proctor.Exam, course *proctor.Course, until time.Time, link string) string {
	return fmt.Sprintf(`Hello %s,

Your instructor in %s has released the review of your proctored exam "%s".
You can now see what Vigil flagged during your exam, the pictures and sound
behind each flag, and write a short explanation of each (for example "the
fire alarm went off").

Open your review here (the link is for you only):
%s

Explanations are accepted until %s. Your instructor reads them beside the
evidence and then decides; nothing flagged changes your grade by itself.

— Vigil, for %s
`, st.FirstName, course.Title, exam.Title, link, until.UTC().Format("Monday 2 January 2006, 15:04 MST"), course.Title)
}

func (s *Service) url(path string) string { return strings.TrimRight(s.d.BaseURL, "/") + path }

// mail makes a message: queued for the SMTP server, or kept in the outbox
// when there is none.
func (s *Service) mail(to, subject, body string) *proctor.Mail {
	m := &proctor.Mail{To: to, Subject: subject, Body: body, CreatedAt: s.d.Now(), State: proctor.MailKept}
	if s.d.MailOn {
		m.State = proctor.MailQueued
	}
	return m
}

func (s *Service) queueMail(ctx context.Context, tx store.Tx, m *proctor.Mail) error {
	if err := tx.CreateMail(ctx, m); err != nil {
		return err
	}
	if m.State != proctor.MailQueued {
		return nil
	}
	return tx.Enqueue(ctx, jobargs.SendMail{MailID: m.ID})
}

// Panel is the student-review part of a session page.
type Panel struct {
	// CourseOn: the course lets students see released reviews.
	CourseOn bool
	Release  *proctor.ReviewRelease // nil until released
	// Explanations by violation key.
	Explanations map[string]proctor.Explanation
	Open         bool // explanations still accepted
	// SuggestUntil is the date the release form offers (a week ahead).
	SuggestUntil time.Time
}

// Explanation returns the student's explanation of a violation, if any.
func (p *Panel) Explanation(v proctor.Violation) *proctor.Explanation {
	if p == nil {
		return nil
	}
	if e, ok := p.Explanations[v.Key()]; ok {
		return &e
	}
	return nil
}

// SessionPanel returns a session page's student-review part (the page has
// authorised and audited the view).
func (s *Service) SessionPanel(ctx context.Context, a review.Actor, sessionID int64) (*Panel, error) {
	sess, err := s.d.Review.AuthorizeSession(ctx, a, sessionID)
	if err != nil {
		return nil, err
	}
	exam, err := s.d.Store.GetExam(ctx, sess.ExamID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	p := &Panel{Explanations: map[string]proctor.Explanation{}, SuggestUntil: now.Add(7 * proctor.Day)}
	if p.CourseOn, err = s.d.Store.StudentReview(ctx, exam.CourseID); err != nil {
		return nil, err
	}
	p.Release, err = s.d.Store.GetReviewRelease(ctx, sess.ID)
	if errors.Is(err, store.ErrNotFound) {
		p.Release, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.Open = p.Release != nil && p.Release.Open(now)
	es, err := s.d.Store.ListExplanations(ctx, sess.ID)
	for _, e := range es {
		p.Explanations[e.ViolationKey] = e
	}
	return p, err
}

// ExamExplanations counts the explanations of each session of an exam,
// for the Student List.
func (s *Service) ExamExplanations(ctx context.Context, a review.Actor, examID int64) (map[int64]int, error) {
	if _, err := s.d.Review.AuthorizeExam(ctx, a, examID); err != nil {
		return nil, err
	}
	return s.d.Store.CountExamExplanations(ctx, examID)
}
