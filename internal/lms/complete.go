package lms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"vigil/internal/ingest"
	"vigil/internal/jobargs"
	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// Complete acts on a checked launch: it provisions the course and the
// person, and says where the launch leads.
func (s *Service) Complete(ctx context.Context, l *lti.Launch) (*Outcome, error) {
	reg, err := s.Store.GetPlatform(ctx, l.PlatformID)
	if err != nil {
		return nil, err
	}
	// Courses and people belong to the LMS: the registration that
	// launched, or the one it was joined to (one LMS, several
	// registrations, as Moodle makes one per tool).
	p, err := s.home(ctx, reg)
	if err != nil {
		return nil, err
	}
	teacher, learner, admin := l.IsTeacher(), l.IsLearner(), l.IsAdmin()
	if admin && !teacher && (l.Context.ID == "" || !learner) && l.MessageType == lti.MsgResourceLink {
		return s.completeAdmin(ctx, p, l)
	}
	if l.Context.ID == "" {
		return nil, &lti.Refusal{Code: lti.CodeMissingClaim, Message: "the launch has no course (context): open Vigil from inside a course"}
	}
	switch {
	case teacher || admin:
		return s.completeTeacher(ctx, p, l, admin)
	case learner:
		return s.completeLearner(ctx, p, l)
	}
	if err := s.revokeRoleless(ctx, p, l); err != nil {
		return nil, err
	}
	return nil, &lti.Refusal{Code: lti.CodeForbidden, Message: fmt.Sprintf(
		"your role in this course (%s) gives no access to Vigil: it is for instructors, teaching assistants and students", roleNames(l.Roles))}
}

// completeAdmin signs in an LMS administrator launched from outside a
// course: to the administration pages when named in GlobalAdmins, else
// to the courses of their LMS.
func (s *Service) completeAdmin(ctx context.Context, p *proctor.Platform, l *lti.Launch) (*Outcome, error) {
	out := &Outcome{Kind: GoCourses, Launch: l}
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if out.User, err = s.teacherUser(ctx, tx, p, l); err != nil {
			return err
		}
		if err := tx.SetPlatformAdmin(ctx, p.ID, out.User.ID, true); err != nil {
			return err
		}
		return s.audit(ctx, tx, Who{User: out.User}, proctor.AuditLTILaunch, 0, "admin", l.MessageType)
	})
	if err == nil && out.User.Role == proctor.RoleAdmin {
		out.Kind = GoAdmin
	}
	return out, err
}

// revokeRoleless takes access away from a person whose launch into a
// known course carries no role Vigil serves.
func (s *Service) revokeRoleless(ctx context.Context, p *proctor.Platform, l *lti.Launch) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		x, err := tx.FindLTIContext(ctx, p.ID, l.Context.ID)
		if errors.Is(err, store.ErrNotFound) {
			return s.revokeLaunch(ctx, tx, p, l, 0)
		}
		if err != nil {
			return err
		}
		return s.revokeLaunch(ctx, tx, p, l, x.CourseID)
	})
}

func roleNames(roles []string) string {
	if len(roles) == 0 {
		return "none"
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r[strings.LastIndexAny(r, "#/")+1:]
	}
	return strings.Join(names, ", ")
}

func (s *Service) completeTeacher(ctx context.Context, p *proctor.Platform, l *lti.Launch, admin bool) (*Outcome, error) {
	out := &Outcome{Launch: l}
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if out.Course, err = s.course(ctx, tx, p, l); err != nil {
			return err
		}
		if out.User, err = s.teacherUser(ctx, tx, p, l); err != nil {
			return err
		}
		if err := tx.SetCourseMember(ctx, out.Course.ID, out.User.ID, s.launchRole(l)); err != nil {
			return err
		}
		if err := tx.SetPlatformAdmin(ctx, p.ID, out.User.ID, admin); err != nil {
			return err
		}
		if err := s.maybeSyncRoster(ctx, tx, out.Course.ID); err != nil {
			return err
		}
		if err := s.teacherDestination(ctx, tx, l, out); err != nil {
			return err
		}
		return s.audit(ctx, tx, Who{User: out.User}, proctor.AuditLTILaunch, out.Course.ID, fmt.Sprintf("course:%d", out.Course.ID), l.MessageType)
	})
	return out, err
}

// teacherDestination: deep linking picks an exam; an exam link opens that
// exam (made the first time the assessment reaches Vigil); anything else
// the dashboard.
func (s *Service) teacherDestination(ctx context.Context, tx store.Tx, l *lti.Launch, out *Outcome) error {
	if !out.Course.Enabled {
		out.Kind = GoRequest
		return nil
	}
	switch l.MessageType {
	case lti.MsgDeepLinking:
		// Made from an assessment Vigil proctors already: the picker
		// offers only its exam.
		out.Kind = GoDeepLink
		exam, err := s.examFor(ctx, tx, out.Course.ID, assessmentOf(l), nil)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		out.Exam = exam
		return err
	case lti.MsgStartProctoring, lti.MsgEndAssessment:
		out.Kind = GoDashboard
		return nil
	}
	if !isExamTarget(l) {
		out.Kind = GoDashboard
		return nil
	}
	exam, err := s.examForLaunch(ctx, tx, out.Course, l, true)
	if err != nil {
		return err
	}
	out.Kind, out.Exam = GoExam, exam
	return nil
}

// isExamTarget: the launch is for one exam (a link Vigil placed by deep
// linking, or a link an LMS points at /lti/exam), not the dashboard. A
// link Vigil placed says what it is in its custom parameters, which win
// over the target: Moodle retargets every activity of a tool when the
// tool's URL changes, so the target alone cannot tell.
func isExamTarget(l *lti.Launch) bool {
	switch {
	case l.Custom[customTarget] == targetDashboard:
		return false
	case l.Custom[customExamID] != "":
		return true
	}
	return strings.Contains(l.TargetLinkURI, "/lti/exam")
}

// home is the registration holding the courses and people of reg's LMS.
func (s *Service) home(ctx context.Context, reg *proctor.Platform) (*proctor.Platform, error) {
	if reg.JoinedTo == 0 {
		return reg, nil
	}
	return s.Store.GetPlatform(ctx, reg.JoinedTo)
}

// examForLaunch finds the exam of the assessment a launch is for (see
// examFor) or, when create, makes it, named after the link.
func (s *Service) examForLaunch(ctx context.Context, tx store.Tx, c *proctor.Course, l *lti.Launch, create bool) (*proctor.Exam, error) {
	var newExam func() *proctor.Exam
	if create {
		newExam = func() *proctor.Exam {
			title := strings.TrimSpace(l.ResourceLink.Title)
			if title == "" {
				title = "Proctored exam"
			}
			return &proctor.Exam{CourseID: c.ID, Title: title, Settings: proctor.DefaultSettings(), CreatedAt: s.Now()}
		}
	}
	return s.examFor(ctx, tx, c.ID, assessmentOf(l), newExam)
}

func (s *Service) maybeSyncRoster(ctx context.Context, tx store.Tx, courseID int64) error {
	x, err := tx.GetLTIContext(ctx, courseID)
	if err != nil || x.NRPSURL == "" || s.Now().Sub(x.RosterSyncedAt) < rosterAge {
		return err
	}
	return tx.Enqueue(ctx, jobargs.SyncRoster{CourseID: courseID})
}

func (s *Service) completeLearner(ctx context.Context, p *proctor.Platform, l *lti.Launch) (*Outcome, error) {
	out := &Outcome{Launch: l}
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if out.Course, err = s.course(ctx, tx, p, l); err != nil {
			return err
		}
		if out.Student, err = s.student(ctx, tx, out.Course, l); err != nil {
			return err
		}
		if err := s.revokeLaunch(ctx, tx, p, l, out.Course.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, Who{Name: "student:" + strconv.FormatInt(out.Student.ID, 10)}, proctor.AuditLTILaunch, out.Course.ID,
			fmt.Sprintf("course:%d", out.Course.ID), l.MessageType)
	})
	if err != nil {
		return nil, err
	}
	if !out.Course.Enabled {
		return info("Proctoring with Vigil is not turned on for this course yet. Your instructor can ask for it; until then there is nothing to do here."), nil
	}
	switch l.MessageType {
	case lti.MsgStartProctoring:
		return s.startProctoring(ctx, l, out)
	case lti.MsgEndAssessment:
		return s.endAssessment(ctx, l, out)
	case lti.MsgDeepLinking:
		return nil, &lti.Refusal{Code: lti.CodeForbidden, Message: "only instructors can add Vigil exams to a course"}
	}
	if !isExamTarget(l) {
		return info("Vigil's dashboard is for instructors. Your proctored exams start from their own links in the course."), nil
	}
	var exam *proctor.Exam
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		exam, err = s.examForLaunch(ctx, tx, out.Course, l, false)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return info("This proctored exam is not set up yet: your instructor must open it once from the course."), nil
	}
	if err != nil {
		return nil, err
	}
	// The exam's link in the course opens the student's latest attempt:
	// opened again after finishing, it shows that attempt's receipt.
	return s.studentExam(ctx, out, exam, true)
}

// studentExam gives the student a session link to the exam; latestOnly
// links open the latest attempt rather than start a new one.
func (s *Service) studentExam(ctx context.Context, out *Outcome, exam *proctor.Exam, latestOnly bool) (*Outcome, error) {
	token, err := s.issueLink(ctx, exam, out.Student, latestOnly)
	if err != nil {
		return nil, err
	}
	out.Kind, out.Exam, out.StudentLink = GoStudentExam, exam, token
	return out, nil
}

func (s *Service) issueLink(ctx context.Context, exam *proctor.Exam, st *proctor.Student, latestOnly bool) (string, error) {
	return ingest.IssueLinkAt(ctx, s.Store, ingest.LinkRequest{ExamID: exam.ID, StudentID: st.ID, TTL: studentLinkLife, Actor: "lti",
		LatestOnly: latestOnly}, s.Now())
}
