package lms

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
		return s.audit(ctx, tx, who, proctor.AuditCourseDecided, r.CourseID, fmt.Sprintf("course_request:%d", r.ID), string(r.State)+": "+r.DecisionNote)
	})
}
