package lms

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// requestWorld is one course Vigil is not enabled for, its instructor, a
// read-only reviewer of it, an instructor of no course and an
// administrator.
type requestWorld struct {
	course                             *proctor.Course
	teacher, reviewer, outsider, admin *proctor.User
}

func newRequestWorld(t *testing.T, s *Service, name string) *requestWorld {
	t.Helper()
	ctx := context.Background()
	w := &requestWorld{course: &proctor.Course{Code: name, Title: "Course " + name}}
	must(t, db(s).CreateCourse(ctx, w.course))
	user := func(who string, role proctor.Role) *proctor.User {
		u := &proctor.User{Email: fmt.Sprintf("%s-%s@example.edu", who, name), Name: who, Role: role}
		must(t, db(s).CreateUser(ctx, u, ""))
		return u
	}
	w.teacher, w.reviewer, w.outsider, w.admin = user("teacher", proctor.RoleInstructor), user("reviewer", proctor.RoleInstructor),
		user("outsider", proctor.RoleInstructor), user("admin", proctor.RoleAdmin)
	must(t, db(s).SetCourseMember(ctx, w.course.ID, w.teacher.ID, proctor.CourseInstructor))
	must(t, db(s).SetCourseMember(ctx, w.course.ID, w.reviewer.ID, proctor.CourseReviewer))
	return w
}

func (w *requestWorld) user(who string) *proctor.User {
	return map[string]*proctor.User{"teacher": w.teacher, "reviewer": w.reviewer, "outsider": w.outsider, "admin": w.admin}[who]
}

// TestCourseRequestRules: only an instructor of a course Vigil is not yet
// enabled for may ask to enable it, with a note of at most 2000
// characters; asking again keeps the first request.
func TestCourseRequestRules(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for i, c := range []struct {
		name      string
		who       string
		enabled   bool
		asked     int // times the teacher asked before
		note      string
		wantCode  proctor.Code
		wantAsked int // requests pending, and audited, afterwards
	}{
		{"the instructor asks", "teacher", false, 0, "for the midterm", "", 1},
		{"the instructor asks again: the first request stays", "teacher", false, 1, "again", "", 1},
		{"a note of 2000 characters", "teacher", false, 0, strings.Repeat("n", 2000), "", 1},
		{"a note of 2001 characters", "teacher", false, 0, strings.Repeat("n", 2001), proctor.CodeInvalid, 0},
		{"a read-only reviewer", "reviewer", false, 0, "", proctor.CodeForbidden, 0},
		{"an instructor of another course", "outsider", false, 0, "", proctor.CodeNotFound, 0},
		{"a course already enabled", "teacher", true, 0, "", proctor.CodeConflict, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newRequestWorld(t, s, fmt.Sprintf("REQ-%d", i))
			if c.enabled {
				w.course.Enabled = true
				must(t, db(s).UpdateCourse(ctx, w.course))
			}
			var first *proctor.CourseRequest
			for range c.asked {
				var err error
				first, err = s.RequestCourse(ctx, As(w.teacher, ""), w.course.ID, "first")
				must(t, err)
			}
			r, err := s.RequestCourse(ctx, As(w.user(c.who), "192.0.2.1"), w.course.ID, c.note)
			if proctor.CodeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			if err == nil && first != nil && r.ID != first.ID {
				t.Errorf("asking again made request %d, want the first, %d", r.ID, first.ID)
			}
			pending, err := db(s).ListCourseRequests(ctx, proctor.RequestPending)
			must(t, err)
			n := 0
			for _, p := range pending {
				if p.CourseID == w.course.ID {
					n++
				}
			}
			audited, err := db(s).ListAudit(ctx, store.AuditFilter{Action: proctor.AuditCourseRequested, CourseID: w.course.ID})
			must(t, err)
			if n != c.wantAsked || len(audited) != c.wantAsked {
				t.Errorf("%d requests pending, %d audited; want %d", n, len(audited), c.wantAsked)
			}
		})
	}
}

// TestCourseDecisionRules: only an administrator decides a request, once;
// approving enables the course, denying leaves it off; the instructor who
// asked is told by mail, queued when Vigil has a mail server and kept in
// the outbox otherwise.
func TestCourseDecisionRules(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	for i, c := range []struct {
		name        string
		who         string
		approve     bool
		decided     bool // an administrator decided it before
		unknown     bool // the request does not exist
		mailSends   bool
		wantCode    proctor.Code
		wantState   proctor.RequestState
		wantEnabled bool
		wantMail    string // the subject of the mail to the teacher ("": none)
		wantSending proctor.MailState
	}{
		{"an administrator approves", "admin", true, false, false, false, "", proctor.RequestApproved, true,
			"Vigil is enabled for DEC-0", proctor.MailKept},
		{"an administrator denies", "admin", false, false, false, false, "", proctor.RequestDenied, false,
			"Your request for Vigil in DEC-1 was refused", proctor.MailKept},
		{"the mail is queued when Vigil has a mail server", "admin", true, false, false, true, "", proctor.RequestApproved, true,
			"Vigil is enabled for DEC-2", proctor.MailQueued},
		{"the course's instructor", "teacher", true, false, false, false, proctor.CodeForbidden, proctor.RequestPending, false, "", ""},
		{"nobody signed in", "", true, false, false, false, proctor.CodeForbidden, proctor.RequestPending, false, "", ""},
		{"decided already", "admin", true, true, false, false, proctor.CodeConflict, proctor.RequestDenied, false,
			"Your request for Vigil in DEC-5 was refused", proctor.MailKept},
		{"a request that does not exist", "admin", true, false, true, false, proctor.CodeNotFound, proctor.RequestPending, false, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.MailSends = c.mailSends
			t.Cleanup(func() { s.MailSends = false })
			w := newRequestWorld(t, s, fmt.Sprintf("DEC-%d", i))
			r, err := s.RequestCourse(ctx, As(w.teacher, ""), w.course.ID, "please")
			must(t, err)
			if c.decided {
				must(t, s.DecideCourse(ctx, As(w.admin, ""), r.ID, false, "not this term"))
			}
			id := r.ID
			if c.unknown {
				id = 9999
			}
			err = s.DecideCourse(ctx, Who{User: w.user(c.who)}, id, c.approve, "ok")
			if proctor.CodeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			got, err := db(s).GetCourseRequest(ctx, r.ID)
			must(t, err)
			course, err := db(s).GetCourse(ctx, w.course.ID)
			must(t, err)
			if got.State != c.wantState || course.Enabled != c.wantEnabled {
				t.Errorf("request %s, course enabled %v; want %s, %v", got.State, course.Enabled, c.wantState, c.wantEnabled)
			}
			mail, err := db(s).ListMail(ctx, 1000)
			must(t, err)
			var to []proctor.Mail
			for _, m := range mail {
				if m.To == w.teacher.Email {
					to = append(to, m)
				}
			}
			switch {
			case c.wantMail == "" && len(to) != 0:
				t.Errorf("mailed %q, want no mail", to[0].Subject)
			case c.wantMail != "" && (len(to) != 1 || to[0].Subject != c.wantMail || to[0].State != c.wantSending):
				t.Errorf("mailed %+v, want one mail %q, %s", to, c.wantMail, c.wantSending)
			}
		})
	}
}
