package lms

import (
	"context"
	"errors"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Platforms lists the registered LMSs.
func (s *Service) Platforms(ctx context.Context) ([]proctor.Platform, error) {
	return s.Store.ListPlatforms(ctx)
}

// Platform returns one registered LMS.
func (s *Service) Platform(ctx context.Context, id int64) (*proctor.Platform, error) {
	return s.Store.GetPlatform(ctx, id)
}

// ToolKeys lists Vigil's signing keys, oldest first.
func (s *Service) ToolKeys(ctx context.Context) ([]proctor.ToolKey, error) {
	return s.Store.ListToolKeys(ctx)
}

// RequestRow is a course request with its course and the person who asked.
type RequestRow struct {
	proctor.CourseRequest
	Course *proctor.Course
	User   *proctor.User
}

// CourseRequests lists every course request, newest first, for the
// administrators' page.
func (s *Service) CourseRequests(ctx context.Context) ([]RequestRow, error) {
	reqs, err := s.Store.ListCourseRequests(ctx, "")
	if err != nil {
		return nil, err
	}
	rows := make([]RequestRow, 0, len(reqs))
	for _, q := range reqs {
		row := RequestRow{CourseRequest: q}
		if row.Course, err = s.Store.GetCourse(ctx, q.CourseID); err != nil {
			return nil, err
		}
		if row.User, err = s.Store.GetUser(ctx, q.UserID); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// PendingRequest is a course's request to be enabled, or nil when none is
// pending.
func (s *Service) PendingRequest(ctx context.Context, courseID int64) (*proctor.CourseRequest, error) {
	r, err := s.Store.PendingCourseRequest(ctx, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// RotateKeys rotates Vigil's signing keys (force: even if the next key
// has not been published long) and records it. The message says what
// changed, or why nothing did; the error is the audit log's.
func (s *Service) RotateKeys(ctx context.Context, who Who, force bool) (string, error) {
	rot, err := s.Keys.Rotate(ctx, force)
	if err != nil {
		return "Not rotated: " + err.Error(), nil
	}
	msg := "Keys rotated: " + rot.Activated + " now signs; " + rot.Created + " is published as the next key."
	return msg, s.audit(ctx, s.Store, who, proctor.AuditKeysRotated, 0, "lti:keys", msg)
}

// AccessCodeFor is AccessCode asked by one of the session's sources: the
// proctoring window is refused when the exam requires the browser
// extension, which fills the code in itself.
func (s *Service) AccessCodeFor(ctx context.Context, sess *proctor.Session, source string) (string, error) {
	if source == proctor.SourceBrowser {
		exam, err := s.Store.GetExam(ctx, sess.ExamID)
		if err == nil && exam.Settings.RequireExtension {
			err = proctor.E(proctor.CodeForbidden, "the browser extension fills in the access code for this exam")
		}
		if err != nil {
			return "", err
		}
	}
	return s.AccessCode(ctx, sess)
}
