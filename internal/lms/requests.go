package lms

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// RequestCourse records an instructor's request to use Vigil in a course
// not yet enabled (one pending request per course).
func (s *Service) RequestCourse(ctx context.Context, who Who, courseID int64, note string) (*proctor.CourseRequest, error) {
	u := who.User
	note = strings.TrimSpace(note)
	if len(note) > 2000 {
		return nil, proctor.E(proctor.CodeInvalid, "the note is longer than 2000 characters")
	}
	var r *proctor.CourseRequest
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		role, err := tx.CourseRole(ctx, courseID, u.ID)
		if err != nil {
			return err
		}
		if role == "" {
			return proctor.E(proctor.CodeNotFound, "no such course")
		}
		if !role.MayChange() {
			return proctor.E(proctor.CodeForbidden, "only the course's instructors can ask to enable Vigil for it")
		}
		c, err := tx.GetCourse(ctx, courseID)
		if err != nil {
			return err
		}
		if c.Enabled {
			return proctor.E(proctor.CodeConflict, "Vigil is already enabled for this course")
		}
		if r, err = tx.PendingCourseRequest(ctx, courseID); err == nil {
			return nil // already asked: keep the first request
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r = &proctor.CourseRequest{CourseID: courseID, UserID: u.ID, Note: note, CreatedAt: s.Now()}
		if err := tx.CreateCourseRequest(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditCourseRequested, courseID, fmt.Sprintf("course:%d", courseID), note)
	})
	return r, err
}

// DecideCourse approves or denies a pending request (administrators only;
// the caller checks the role). Approval enables the course.
func (s *Service) DecideCourse(ctx context.Context, who Who, requestID int64, approve bool, note string) error {
	admin := who.User
	if admin == nil || admin.Role != proctor.RoleAdmin {
		return proctor.E(proctor.CodeForbidden, "only administrators decide course requests")
	}
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetCourseRequest(ctx, requestID)
		if err != nil {
			return proctor.E(proctor.CodeNotFound, "no such request")
		}
		if r.State != proctor.RequestPending {
			return proctor.E(proctor.CodeConflict, "this request was already %s", r.State)
		}
		r.State, r.DecidedBy, r.DecidedAt, r.DecisionNote = proctor.RequestDenied, admin.ID, s.Now(), strings.TrimSpace(note)
		if approve {
			r.State = proctor.RequestApproved
			c, err := tx.GetCourse(ctx, r.CourseID)
			if err != nil {
				return err
			}
			c.Enabled = true
			if err := tx.UpdateCourse(ctx, c); err != nil {
				return err
			}
		}
		if err := tx.DecideCourseRequest(ctx, r); err != nil {
			return err
		}
		if err := s.tellRequester(ctx, tx, r); err != nil {
			return err
		}
		return s.audit(ctx, tx, who, proctor.AuditCourseDecided, r.CourseID, fmt.Sprintf("course_request:%d", r.ID), string(r.State)+": "+r.DecisionNote)
	})
}

// tellRequester writes the instructor who asked an email with the
// decision, in the decision's transaction: queued for sending with it when
// Vigil has a mail server, otherwise kept in the outbox.
func (s *Service) tellRequester(ctx context.Context, tx store.Tx, r *proctor.CourseRequest) error {
	u, err := tx.GetUser(ctx, r.UserID)
	if err != nil {
		return err
	}
	c, err := tx.GetCourse(ctx, r.CourseID)
	if err != nil {
		return err
	}
	if u.Email == "" {
		return nil // an LMS user without an address: the course page shows the result
	}
	m := &proctor.Mail{To: u.Email, Subject: requestMailSubject(r, c), Body: requestMailBody(u, r, c, s.Base),
		CreatedAt: s.Now(), State: proctor.MailKept}
	if s.MailSends {
		m.State = proctor.MailQueued
	}
	if err := tx.CreateMail(ctx, m); err != nil {
		return err
	}
	if m.State == proctor.MailQueued {
		return tx.Enqueue(ctx, jobargs.SendMail{MailID: m.ID})
	}
	return nil
}

func requestMailSubject(r *proctor.CourseRequest, c *proctor.Course) string {
	if r.State == proctor.RequestApproved {
		return "Vigil is enabled for " + c.Code
	}
	return "Your request for Vigil in " + c.Code + " was refused"
}

func requestMailBody(u *proctor.User, r *proctor.CourseRequest, c *proctor.Course, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", cmp.Or(strings.TrimSpace(u.Name), u.Email))
	if r.State == proctor.RequestApproved {
		fmt.Fprintf(&b, "An administrator approved your request: Vigil is now enabled for %s (%s).\n", c.Code, c.Title)
		fmt.Fprintf(&b, "Open the course's proctoring dashboard from your course, or here:\n%s/courses/%d\n", strings.TrimRight(base, "/"), c.ID)
	} else {
		fmt.Fprintf(&b, "An administrator refused your request to use Vigil in %s (%s).\n", c.Code, c.Title)
	}
	if r.DecisionNote != "" {
		fmt.Fprintf(&b, "\nTheir note:\n%s\n", r.DecisionNote)
	}
	b.WriteString("\n— Vigil\n")
	return b.String()
}
