package lms

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// removals counts the audit entries of a user's memberships removed.
func removals(t *testing.T, s *Service, userID int64) int {
	t.Helper()
	entries, err := db(s).ListAudit(context.Background(), store.AuditFilter{Action: proctor.AuditMemberRemoved, Subject: fmt.Sprintf("user:%d", userID)})
	must(t, err)
	return len(entries)
}

// TestLaunchesRestateAccess: every launch restates what a person may do,
// down as well as up: a launch without a teaching role takes away their
// membership of that course (audited) and their administration of the
// LMS's courses; a lesser teaching role lowers it, a greater one raises
// it; whether they are a Vigil administrator follows GlobalAdmins. A
// course they teach elsewhere is not touched.
func TestLaunchesRestateAccess(t *testing.T) {
	s, p := serviceWithElsewhere(t)
	ctx := context.Background()
	s.GlobalAdmins = []string{"dean@example.edu"}
	type launch struct {
		ctxID string // "": no course
		roles []string
	}
	in := func(roles ...string) launch { return launch{"course-1", roles} }
	instructor, reviewer := proctor.CourseInstructor, proctor.CourseReviewer
	for i, c := range []struct {
		name        string
		before      []launch
		dean        bool // the person's e-mail is the one GlobalAdmins names
		unlist      bool // GlobalAdmins no longer names it at the last launch
		last        launch
		refused     bool
		seenIn      string // the course whose membership is checked
		want        access
		wantRemoved int
	}{
		{"an instructor who launches as a learner loses the course", []launch{in(lti.RoleInstructor)}, false, false, in(lti.RoleLearner), false,
			"course-1", access{proctor.RoleInstructor, "", false}, 1},
		{"an instructor who launches as a mentor loses the course", []launch{in(lti.RoleInstructor)}, false, false, in(membership + "Mentor"), true,
			"course-1", access{proctor.RoleInstructor, "", false}, 1},
		{"an instructor who launches without roles loses the course", []launch{in(lti.RoleInstructor)}, false, false, in(), true,
			"course-1", access{proctor.RoleInstructor, "", false}, 1},
		{"a learner launch again takes nothing more", []launch{in(lti.RoleInstructor), in(lti.RoleLearner)}, false, false, in(lti.RoleLearner), false,
			"course-1", access{proctor.RoleInstructor, "", false}, 1},
		{"an instructor now an assistant reviews only", []launch{in(lti.RoleInstructor)}, false, false, in(lti.RoleInstructor, lti.RoleTA), false,
			"course-1", access{proctor.RoleInstructor, reviewer, false}, 0},
		{"an assistant now the instructor", []launch{in(lti.RoleTA)}, false, false, in(lti.RoleInstructor), false,
			"course-1", access{proctor.RoleInstructor, instructor, false}, 0},
		{"an LMS administrator who launches as an instructor only", []launch{{"", []string{lti.RoleAdmin}}}, false, false, in(lti.RoleInstructor), false,
			"course-1", access{proctor.RoleInstructor, instructor, false}, 0},
		{"an LMS administrator who launches as a learner", []launch{{"", []string{lti.RoleAdmin}}}, false, false, in(lti.RoleLearner), false,
			"course-1", access{proctor.RoleInstructor, "", false}, 0},
		{"a learner never seen teaching loses nothing", nil, false, false, in(lti.RoleLearner), false, "course-1", access{}, 0},
		{"teaching another course is kept", []launch{{"course-2", []string{lti.RoleInstructor}}}, false, false, in(lti.RoleLearner), false,
			"course-2", access{proctor.RoleInstructor, instructor, false}, 0},
		{"a Vigil administrator taken off the list", []launch{in(lti.RoleInstructor)}, true, true, in(lti.RoleInstructor), false,
			"course-1", access{proctor.RoleInstructor, instructor, false}, 0},
		{"a Vigil administrator still on the list", []launch{in(lti.RoleInstructor)}, true, false, in(lti.RoleInstructor), false,
			"course-1", access{proctor.RoleAdmin, instructor, false}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := fmt.Sprintf("person-%d", i)
			run := func(l launch) error {
				launch := launchIn(p, sub, l.ctxID, l.roles...)
				launch.Email = sub + "@example.edu"
				if c.dean {
					launch.Email = "dean@example.edu"
				}
				if l.ctxID == "" {
					launch.Context = lti.Context{}
				}
				_, err := s.Complete(ctx, launch)
				return err
			}
			for _, l := range c.before {
				must(t, run(l))
			}
			if c.unlist {
				s.GlobalAdmins = nil
				t.Cleanup(func() { s.GlobalAdmins = []string{"dean@example.edu"} })
			}
			err := run(c.last)
			var refusal *lti.Refusal
			if errors.As(err, &refusal) != c.refused || (err != nil && refusal == nil) {
				t.Fatalf("%v, want refused: %v", err, c.refused)
			}
			if got := accessOf(t, s, p, sub, c.seenIn, "elsewhere"); got != c.want {
				t.Errorf("access %+v, want %+v", got, c.want)
			}
			if u, err := db(s).LTIUser(ctx, p.ID, sub); err == nil {
				if n := removals(t, s, u.ID); n != c.wantRemoved {
					t.Errorf("%d removals audited, want %d", n, c.wantRemoved)
				}
			}
		})
	}
}

// TestRosterRestatesAccess: a roster read brings the course's members
// from the LMS in line with it: a member it lists as inactive or deleted,
// without a teaching role, or not at all is removed (audited); a changed
// teaching role is applied; a local account is never touched, and an
// empty roster (more likely a platform's fault) removes nobody.
func TestRosterRestatesAccess(t *testing.T) {
	s, p := newService(t)
	ctx := context.Background()
	instructor := []string{lti.RoleInstructor}
	other := lti.Member{UserID: "someone-else", Status: "Active", Roles: instructor}
	for i, c := range []struct {
		name        string
		listed      *lti.Member // how the roster lists the member (nil: not at all)
		local       bool        // a Vigil account, not the LMS's
		empty       bool        // the roster lists nobody
		assistants  bool        // AssistantsChange
		was         proctor.CourseRole
		want        proctor.CourseRole
		wantRemoved int
	}{
		{"listed as active", &lti.Member{Status: "Active", Roles: instructor}, false, false, false,
			proctor.CourseInstructor, proctor.CourseInstructor, 0},
		{"listed without a status: active", &lti.Member{Roles: instructor}, false, false, false,
			proctor.CourseInstructor, proctor.CourseInstructor, 0},
		{"listed as inactive", &lti.Member{Status: "Inactive", Roles: instructor}, false, false, false, proctor.CourseInstructor, "", 1},
		{"listed as deleted", &lti.Member{Status: "Deleted", Roles: instructor}, false, false, false, proctor.CourseInstructor, "", 1},
		{"listed as a learner", &lti.Member{Status: "Active", Roles: []string{lti.RoleLearner}}, false, false, false, proctor.CourseInstructor, "", 1},
		{"listed as a mentor", &lti.Member{Status: "Active", Roles: []string{membership + "Mentor"}}, false, false, false, proctor.CourseReviewer, "", 1},
		{"not listed", nil, false, false, false, proctor.CourseInstructor, "", 1},
		{"an instructor listed as an assistant is lowered", &lti.Member{Roles: []string{lti.RoleInstructor, lti.RoleTA}}, false, false, false,
			proctor.CourseInstructor, proctor.CourseReviewer, 0},
		{"an assistant with --assistants-change stays an instructor", &lti.Member{Roles: []string{lti.RoleInstructor, lti.RoleTA}}, false, false, true,
			proctor.CourseInstructor, proctor.CourseInstructor, 0},
		{"a reviewer listed as the instructor is raised", &lti.Member{Roles: instructor}, false, false, false,
			proctor.CourseReviewer, proctor.CourseInstructor, 0},
		{"a local account is never touched", nil, true, false, false, proctor.CourseInstructor, proctor.CourseInstructor, 0},
		{"an empty roster removes nobody", nil, false, true, false, proctor.CourseInstructor, proctor.CourseInstructor, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.AssistantsChange = c.assistants
			course := &proctor.Course{Code: fmt.Sprintf("C-%d", i), Title: c.name}
			must(t, db(s).CreateCourse(ctx, course))
			must(t, db(s).SaveLTIContext(ctx, &proctor.LTIContext{CourseID: course.ID, PlatformID: p.ID, ContextID: course.Code}))
			sub := fmt.Sprintf("member-%d", i)
			u := &proctor.User{Email: sub + "@example.edu", Name: sub, Role: proctor.RoleInstructor}
			if c.local {
				must(t, db(s).CreateUser(ctx, u, "password hash"))
			} else {
				must(t, db(s).CreateUser(ctx, u, ""))
				must(t, db(s).LinkLTIUser(ctx, p.ID, sub, u.ID))
			}
			must(t, db(s).SetCourseMember(ctx, course.ID, u.ID, c.was))
			roster := []lti.Member{other}
			if c.listed != nil {
				m := *c.listed
				m.UserID = sub
				roster = append(roster, m)
			}
			if c.empty {
				roster = nil
			}
			must(t, db(s).InTx(ctx, func(tx store.Tx) error { return s.reconcileMembers(ctx, tx, course.ID, roster) }))
			if got, err := db(s).CourseRole(ctx, course.ID, u.ID); err != nil || got != c.want {
				t.Errorf("role %q (%v), want %q", got, err, c.want)
			}
			if n := removals(t, s, u.ID); n != c.wantRemoved {
				t.Errorf("%d removals audited, want %d", n, c.wantRemoved)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
