package lms

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// What a launch or a roster grants, and what they take away. Every launch
// and every roster read restates a person's access: a lesser role lowers
// it, no teaching role removes it, so access follows the LMS down as well
// as up.

// isGlobalAdmin: the launch's person is named in GlobalAdmins, by e-mail
// address or as ISSUER#SUB. An LMS's own Administrator role never makes a
// Vigil administrator: it administers that LMS's courses only.
func (s *Service) isGlobalAdmin(p *proctor.Platform, l *lti.Launch) bool {
	for _, name := range s.GlobalAdmins {
		name = strings.TrimSpace(name)
		if name == p.Issuer+"#"+l.Sub || (l.Email != "" && strings.EqualFold(name, l.Email)) {
			return true
		}
	}
	return false
}

// assistantRole is what teaching assistants and content developers may
// do: review only, unless the server gives them instructors' rights.
func (s *Service) assistantRole() proctor.CourseRole {
	if s.AssistantsChange {
		return proctor.CourseInstructor
	}
	return proctor.CourseReviewer
}

// teachingRole is the course role of a person with these roles; "" for
// one who does not teach the course (a learner, an observer).
func (s *Service) teachingRole(l *lti.Launch) proctor.CourseRole {
	switch {
	case !l.IsTeacher():
		return ""
	case l.IsAssistant():
		return s.assistantRole()
	}
	return proctor.CourseInstructor
}

// launchRole is the course role a teacher's or an LMS administrator's
// launch grants (administrators reach the LMS's courses anyway).
func (s *Service) launchRole(l *lti.Launch) proctor.CourseRole {
	if l.IsAdmin() {
		return proctor.CourseInstructor
	}
	return s.teachingRole(l)
}

// revokeLaunch takes away what a launch without a teaching role leaves the
// person: their membership of the launch's course and administration of
// the platform's courses. Someone never seen as a teacher has neither.
func (s *Service) revokeLaunch(ctx context.Context, q store.Queries, p *proctor.Platform, l *lti.Launch, courseID int64) error {
	u, err := q.LTIUser(ctx, p.ID, l.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := q.SetPlatformAdmin(ctx, p.ID, u.ID, false); err != nil || courseID == 0 {
		return err
	}
	return s.removeMember(ctx, q, courseID, u.ID, "a launch without a teaching role")
}

// removeMember removes a membership, with an audit entry when there was one.
func (s *Service) removeMember(ctx context.Context, q store.Queries, courseID, userID int64, why string) error {
	member, err := q.IsCourseMember(ctx, courseID, userID)
	if err != nil || !member {
		return err
	}
	if err := q.RemoveCourseMember(ctx, courseID, userID); err != nil {
		return err
	}
	return s.audit(ctx, q, Who{Name: "lms"}, proctor.AuditMemberRemoved, courseID, fmt.Sprintf("user:%d", userID), why)
}

// reconcileMembers brings the course's members from the LMS in line with
// its roster: a member the roster no longer lists, lists as inactive or
// deleted, or lists without a teaching role is removed; a changed role is
// applied. Local accounts are left alone, and so is everyone when the
// roster is empty (more likely a platform's fault than an empty course).
func (s *Service) reconcileMembers(ctx context.Context, tx store.Tx, courseID int64, roster []lti.Member) error {
	if len(roster) == 0 {
		return nil
	}
	bySub := make(map[string]lti.Member, len(roster))
	for _, m := range roster {
		bySub[m.UserID] = m
	}
	members, err := tx.ListCourseMembers(ctx, courseID)
	if err != nil {
		return err
	}
	for _, cm := range members {
		if cm.LTISub == "" {
			continue
		}
		if err := s.reconcileMember(ctx, tx, courseID, cm, bySub[cm.LTISub]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) reconcileMember(ctx context.Context, tx store.Tx, courseID int64, cm store.CourseMember, m lti.Member) error {
	role := s.teachingRole(m.Launch())
	switch {
	case m.UserID == "":
		return s.removeMember(ctx, tx, courseID, cm.UserID, "no longer on the LMS roster")
	case !m.IsActive():
		return s.removeMember(ctx, tx, courseID, cm.UserID, "enrolment "+m.Status+" on the LMS roster")
	case role == "":
		return s.removeMember(ctx, tx, courseID, cm.UserID, "no teaching role on the LMS roster")
	case role != cm.Role:
		if err := tx.SetCourseMember(ctx, courseID, cm.UserID, role); err != nil {
			return err
		}
		return s.audit(ctx, tx, Who{Name: "lms"}, proctor.AuditMemberChanged, courseID, fmt.Sprintf("user:%d", cm.UserID), string(role)+" (LMS roster)")
	}
	return nil
}
