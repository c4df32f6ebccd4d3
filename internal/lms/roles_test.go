package lms

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/lti"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// newService is the LMS logic over a real SQLite store holding one
// platform whose courses are enabled on first launch.
func newService(t *testing.T) (*Service, *proctor.Platform) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := &proctor.Platform{Name: "Canvas", Issuer: "https://canvas.example.edu", ClientID: "vigil", AuthURL: "https://canvas.example.edu/auth",
		TokenURL: "https://canvas.example.edu/token", JWKSURL: "https://canvas.example.edu/jwks", AutoEnable: true, CreatedAt: t0}
	if err := st.CreatePlatform(ctx, p); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &Service{Store: st, Now: func() time.Time { return t0 }, Log: log, Base: "https://vigil.example.edu"}, p
}

// db is the whole store under a service from newService, for a test to set
// up and check rows the service itself does not read.
func db(s *Service) *sqlstore.Store { return s.Store.(*sqlstore.Store) }

// Role URIs the launches below carry besides the lti package's own.
const (
	membership  = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
	institution = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
	system      = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
)

// launchIn is a resource link launch by person sub into the course of the
// LMS context ctxID.
func launchIn(p *proctor.Platform, sub, ctxID string, roles ...string) *lti.Launch {
	return &lti.Launch{PlatformID: p.ID, MessageType: lti.MsgResourceLink, Sub: sub, Name: "Person " + sub, Roles: roles,
		Context: lti.Context{ID: ctxID, Label: ctxID, Title: "Course " + ctxID}, ResourceLink: lti.ResourceLink{ID: "link-" + ctxID, Title: "Dashboard"}}
}

// access is what a person may do in Vigil after a launch: their Vigil
// role, their membership of the launch's course, whether they administer
// the LMS's courses (seen in a course of the LMS they are no member of).
type access struct {
	role   proctor.Role
	course proctor.CourseRole
	lmsAdm bool
}

// serviceWithElsewhere is newService with a course "elsewhere" of the LMS,
// which accessOf looks at to tell the LMS's administrators.
func serviceWithElsewhere(t *testing.T) (*Service, *proctor.Platform) {
	t.Helper()
	s, p := newService(t)
	_, err := s.Complete(context.Background(), launchIn(p, "owner", "elsewhere", lti.RoleInstructor))
	must(t, err)
	return s, p
}

func accessOf(t *testing.T, s *Service, p *proctor.Platform, sub, ctxID, elsewhere string) access {
	t.Helper()
	ctx := context.Background()
	u, err := db(s).LTIUser(ctx, p.ID, sub)
	if errors.Is(err, store.ErrNotFound) {
		return access{}
	}
	must(t, err)
	a := access{role: u.Role}
	if x, err := db(s).FindLTIContext(ctx, p.ID, ctxID); err == nil {
		members, err := db(s).ListCourseMembers(ctx, x.CourseID)
		must(t, err)
		for _, m := range members {
			if m.UserID == u.ID {
				a.course = m.Role
			}
		}
	}
	x, err := db(s).FindLTIContext(ctx, p.ID, elsewhere)
	must(t, err)
	role, err := db(s).CourseRole(ctx, x.CourseID, u.ID)
	must(t, err)
	a.lmsAdm = role == proctor.CourseInstructor
	return a
}

// TestRolesMapToAccess: the LTI roles of a launch decide who the person
// is in Vigil: an instructor of the course (instructors; assistants and
// content developers only with --assistants-change, else reviewers), an
// administrator of the LMS's courses (its institution and system
// administrators), a Vigil administrator (only those named in
// GlobalAdmins), a student, or nobody (refused).
func TestRolesMapToAccess(t *testing.T) {
	s, p := serviceWithElsewhere(t)
	s.GlobalAdmins = []string{"Dean@Example.edu", " " + p.Issuer + "#root "}
	const (
		inCourse  = false
		noCourse  = true
		ta        = lti.RoleTA
		developer = membership + "ContentDeveloper"
	)
	instructor := proctor.CourseInstructor
	reviewer := proctor.CourseReviewer
	for i, c := range []struct {
		name       string
		roles      []string
		noCourse   bool
		assistants bool   // AssistantsChange
		email, sub string // "": the case's own
		wantKind   Kind
		want       access
		refused    string // the refusal's code
	}{
		{"instructor", []string{lti.RoleInstructor}, inCourse, false, "", "", GoDashboard, access{proctor.RoleInstructor, instructor, false}, ""},
		{"instructor, LTI 1.1 short name", []string{"Instructor"}, inCourse, false, "", "", GoDashboard, access{proctor.RoleInstructor, instructor, false}, ""},
		{"teaching assistant", []string{lti.RoleInstructor, ta}, inCourse, false, "", "", GoDashboard, access{proctor.RoleInstructor, reviewer, false}, ""},
		{"teaching assistant, sub-role alone", []string{ta}, inCourse, false, "", "", GoDashboard, access{proctor.RoleInstructor, reviewer, false}, ""},
		{"teaching assistant with --assistants-change", []string{lti.RoleInstructor, ta}, inCourse, true, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, false}, ""},
		{"content developer", []string{developer}, inCourse, false, "", "", GoDashboard, access{proctor.RoleInstructor, reviewer, false}, ""},
		{"content developer with --assistants-change", []string{developer}, inCourse, true, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, false}, ""},
		{"content developer who is the instructor", []string{developer, lti.RoleInstructor}, inCourse, false, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, false}, ""},
		{"learner", []string{lti.RoleLearner}, inCourse, false, "", "", GoInfo, access{}, ""},
		{"learner, short name", []string{"Learner"}, inCourse, false, "", "", GoInfo, access{}, ""},
		{"instructor who is also a learner", []string{lti.RoleLearner, lti.RoleInstructor}, inCourse, false, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, false}, ""},
		{"institution administrator outside a course", []string{lti.RoleAdmin}, noCourse, false, "", "", GoCourses,
			access{proctor.RoleInstructor, "", true}, ""},
		{"institution administrator in a course", []string{lti.RoleAdmin}, inCourse, false, "", "", GoCourses, access{proctor.RoleInstructor, "", true}, ""},
		{"system administrator", []string{system + "SysAdmin"}, noCourse, false, "", "", GoCourses, access{proctor.RoleInstructor, "", true}, ""},
		{"system Administrator", []string{system + "Administrator"}, noCourse, false, "", "", GoCourses, access{proctor.RoleInstructor, "", true}, ""},
		{"administrator who teaches the course", []string{lti.RoleAdmin, lti.RoleInstructor}, inCourse, false, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, true}, ""},
		{"administrator who assists in the course", []string{lti.RoleAdmin, ta}, inCourse, false, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, true}, ""},
		{"administrator enrolled as a learner", []string{lti.RoleAdmin, lti.RoleLearner}, inCourse, false, "", "", GoDashboard,
			access{proctor.RoleInstructor, instructor, true}, ""},
		{"a Vigil administrator named by e-mail, any case", []string{lti.RoleAdmin}, noCourse, false, "dean@example.edu", "", GoAdmin,
			access{proctor.RoleAdmin, "", true}, ""},
		{"a Vigil administrator named as issuer#sub", []string{lti.RoleAdmin}, noCourse, false, "", "root", GoAdmin, access{proctor.RoleAdmin, "", true}, ""},
		{"a Vigil administrator teaching a course", []string{lti.RoleInstructor}, inCourse, false, "dean@example.edu", "", GoDashboard,
			access{proctor.RoleAdmin, instructor, false}, ""},
		{"mentor", []string{membership + "Mentor"}, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"course administrator (not an LMS administrator)", []string{membership + "Administrator"}, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"institution instructor (not of this course)", []string{institution + "Instructor"}, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"institution student (not a course role)", []string{institution + "Student"}, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"an unknown vocabulary", []string{"https://lms.example.edu/roles#Instructor"}, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"no roles", nil, inCourse, false, "", "", 0, access{}, lti.CodeForbidden},
		{"learner without a course", []string{lti.RoleLearner}, noCourse, false, "", "", 0, access{}, lti.CodeMissingClaim},
		{"instructor without a course", []string{lti.RoleInstructor}, noCourse, false, "", "", 0, access{}, lti.CodeMissingClaim},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.AssistantsChange = c.assistants
			sub := cmp.Or(c.sub, fmt.Sprintf("user-%d", i))
			l := launchIn(p, sub, "course-1", c.roles...)
			l.Email = c.email
			if c.noCourse {
				l.Context = lti.Context{}
			}
			out, err := s.Complete(context.Background(), l)
			var refusal *lti.Refusal
			if errors.As(err, &refusal) != (c.refused != "") || (refusal != nil && refusal.Code != c.refused) {
				t.Fatalf("outcome %+v, err %v; want refusal %q", out, err, c.refused)
			}
			if err != nil && refusal == nil {
				t.Fatal(err)
			}
			if err == nil && out.Kind != c.wantKind {
				t.Errorf("leads to %v, want %v", out.Kind, c.wantKind)
			}
			if got := accessOf(t, s, p, sub, "course-1", "elsewhere"); got != c.want {
				t.Errorf("access %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestLearnerBecomesStudent: a learner's launch makes them a student of the
// course, once, named from the launch.
func TestLearnerBecomesStudent(t *testing.T) {
	s, p := newService(t)
	l := &lti.Launch{PlatformID: p.ID, MessageType: lti.MsgResourceLink, Sub: "s-1", GivenName: "Zoë", FamilyName: "O'Brien",
		Email: "zoe@example.edu", Roles: []string{lti.RoleLearner}, Context: lti.Context{ID: "course-1", Title: "Biology"}}
	var courseID int64
	for range 2 {
		if _, err := s.Complete(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	x, err := db(s).FindLTIContext(context.Background(), p.ID, "course-1")
	if err != nil {
		t.Fatal(err)
	}
	courseID = x.CourseID
	st, err := db(s).FindStudentByExternalID(context.Background(), courseID, "s-1")
	if err != nil || st.FirstName != "Zoë" || st.LastName != "O'Brien" || st.Email != "zoe@example.edu" {
		t.Fatalf("student %+v, err %v", st, err)
	}
	students, err := db(s).ListStudents(context.Background(), courseID)
	if err != nil || len(students) != 1 {
		t.Errorf("%d students after two launches (err %v), want 1", len(students), err)
	}
}

// TestStudentNames: a student is named from the given and family names
// the LMS shares, else from the full name (the last word the family
// name), else, under privacy settings that share no name, by an id.
func TestStudentNames(t *testing.T) {
	for _, c := range []struct {
		name                string
		given, family, full string
		wantFirst, wantLast string
	}{
		{"given and family names", "Zoë", "O'Brien", "Zoë O'Brien", "Zoë", "O'Brien"},
		{"given name only", " Zoë ", "", "", "Zoë", "—"},
		{"family name only", "", "O'Brien", "", "—", "O'Brien"},
		{"the full name only", "", "", "Mary Ann van Dyke", "Mary Ann van", "Dyke"},
		{"one word", "", "", "Cher", "Cher", "—"},
		{"no name at all", "", "", "  ", "Student", short("s-1")},
	} {
		t.Run(c.name, func(t *testing.T) {
			first, last := names(c.given, c.family, c.full, "s-1")
			if first != c.wantFirst || last != c.wantLast {
				t.Errorf("%q %q, want %q %q", first, last, c.wantFirst, c.wantLast)
			}
		})
	}
}
