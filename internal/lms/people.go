package lms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// course finds the course of a launch's context, or makes it: enabled at
// once only when the platform enables its courses. Its title and roster
// address follow the LMS.
func (s *Service) course(ctx context.Context, q store.Queries, p *proctor.Platform, l *lti.Launch) (*proctor.Course, error) {
	x, err := q.FindLTIContext(ctx, p.ID, l.Context.ID)
	lmsID := l.Custom["canvas_course_id"]
	if errors.Is(err, store.ErrNotFound) {
		c := &proctor.Course{Title: firstOf(l.Context.Title, l.Context.Label, "Course from "+p.Name), Enabled: p.AutoEnable, CreatedAt: s.Now()}
		if err := s.createCourse(ctx, q, c, firstOf(l.Context.Label, l.Context.Title, "LMS"), p.ID, l.Context.ID); err != nil {
			return nil, err
		}
		x = &proctor.LTIContext{CourseID: c.ID, PlatformID: p.ID, ContextID: l.Context.ID, LMSCourseID: lmsID, NRPSURL: l.NRPSURL,
			NRPSPlatformID: rosterReader(p, l)}
		return c, q.SaveLTIContext(ctx, x)
	}
	if err != nil {
		return nil, err
	}
	c, err := q.GetCourse(ctx, x.CourseID)
	if err != nil {
		return nil, err
	}
	if t := firstOf(l.Context.Title, c.Title); t != c.Title {
		c.Title = t
		if err := q.UpdateCourse(ctx, c); err != nil {
			return nil, err
		}
	}
	if (lmsID != "" && lmsID != x.LMSCourseID) || (l.NRPSURL != "" && (l.NRPSURL != x.NRPSURL || rosterReader(p, l) != x.NRPSPlatformID)) {
		x.LMSCourseID = firstOf(lmsID, x.LMSCourseID)
		if l.NRPSURL != "" {
			x.NRPSURL, x.NRPSPlatformID = l.NRPSURL, rosterReader(p, l)
		}
		if err := q.SaveLTIContext(ctx, x); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// rosterReader is the registration whose client id may read the roster
// address a launch gave (Moodle's roster addresses name the tool): 0 when
// it is the course's own.
func rosterReader(home *proctor.Platform, l *lti.Launch) int64 {
	if l.PlatformID == home.ID || l.NRPSURL == "" {
		return 0
	}
	return l.PlatformID
}

// createCourse makes a course whose code is the LMS label, made unique
// when another course (another LMS, another term) has it already.
func (s *Service) createCourse(ctx context.Context, q store.Queries, c *proctor.Course, label string, platformID int64, contextID string) error {
	codes := []string{label, fmt.Sprintf("%s (%s)", label, short(fmt.Sprint(platformID, "/", contextID)))}
	var err error
	for _, code := range codes {
		c.Code = code
		if err = q.CreateCourse(ctx, c); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func short(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// teacherUser finds or makes the dashboard user of a platform's user.
// Accounts are never matched by e-mail: a platform vouches for its own
// users, not for accounts made elsewhere. Each launch restates whether
// the person is a Vigil administrator: only those named in GlobalAdmins.
func (s *Service) teacherUser(ctx context.Context, q store.Queries, p *proctor.Platform, l *lti.Launch) (*proctor.User, error) {
	name := firstOf(l.Name, strings.TrimSpace(l.GivenName+" "+l.FamilyName), "Instructor "+short(l.Sub))
	role := proctor.RoleInstructor
	if s.isGlobalAdmin(p, l) {
		role = proctor.RoleAdmin
	}
	u, err := q.LTIUser(ctx, p.ID, l.Sub)
	if err == nil {
		if u.Name != name || u.Role != role {
			u.Name, u.Role = name, role
			return u, q.UpdateUser(ctx, u)
		}
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	u = &proctor.User{Name: name, Role: role, CreatedAt: s.Now()}
	for _, email := range []string{strings.ToLower(l.Email), fmt.Sprintf("lti-%d-%s@lti.invalid", p.ID, short(l.Sub))} {
		if email == "" {
			continue
		}
		u.Email = email
		if err = q.CreateUser(ctx, u, ""); !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return u, q.LinkLTIUser(ctx, p.ID, l.Sub, u.ID)
}

// student finds or makes the course's student for a learner launch (or a
// roster member), keyed by the platform's user id.
func (s *Service) student(ctx context.Context, q store.Queries, c *proctor.Course, l *lti.Launch) (*proctor.Student, error) {
	return s.upsertStudent(ctx, q, c.ID, l.Sub, l.GivenName, l.FamilyName, l.Name, l.Email)
}

func (s *Service) upsertStudent(ctx context.Context, q store.Queries, courseID int64, sub, given, family, full, email string) (*proctor.Student, error) {
	first, last := names(given, family, full, sub)
	st, err := q.FindStudentByExternalID(ctx, courseID, sub)
	if errors.Is(err, store.ErrNotFound) {
		st = &proctor.Student{CourseID: courseID, FirstName: first, LastName: last, Email: email, ExternalID: sub}
		return st, q.CreateStudent(ctx, st)
	}
	if err != nil {
		return nil, err
	}
	if st.FirstName != first || st.LastName != last || (email != "" && st.Email != email) {
		st.FirstName, st.LastName, st.Email = first, last, firstOf(email, st.Email)
		return st, q.UpdateStudent(ctx, st)
	}
	return st, nil
}

// names splits what the platform shares into first and last names; with
// privacy settings that share no name, the student is named by an id.
func names(given, family, full, sub string) (string, string) {
	given, family = strings.TrimSpace(given), strings.TrimSpace(family)
	if given != "" || family != "" {
		return firstOf(given, "—"), firstOf(family, "—")
	}
	if f := strings.Fields(full); len(f) > 0 {
		if len(f) == 1 {
			return f[0], "—"
		}
		return strings.Join(f[:len(f)-1], " "), f[len(f)-1]
	}
	return "Student", short(sub)
}
