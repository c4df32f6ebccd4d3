package lms

import (
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

// TestRolesMapToCourseRoles: the LTI roles of a launch decide who the person
// is in Vigil — an instructor of the course, its administrator, a student,
// or nobody.
func TestRolesMapToCourseRoles(t *testing.T) {
	const (
		membership  = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
		institution = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
		system      = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
	)
	s, p := newService(t)
	for i, c := range []struct {
		name       string
		roles      []string
		noCourse   bool
		wantKind   Kind
		wantRole   proctor.Role // the signed-in user's role; "" when none
		wantMember bool         // the user is made a member of the course
		refused    bool
	}{
		{"instructor", []string{lti.RoleInstructor}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"instructor, LTI 1.1 short name", []string{"Instructor"}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"teaching assistant", []string{lti.RoleTA}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"content developer", []string{membership + "ContentDeveloper"}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"learner", []string{lti.RoleLearner}, false, GoInfo, "", false, false},
		{"learner, short name", []string{"Learner"}, false, GoInfo, "", false, false},
		{"institution administrator, outside a course", []string{lti.RoleAdmin}, true, GoCourses, proctor.RoleInstructor, false, false},
		{"institution administrator in a course", []string{lti.RoleAdmin}, false, GoCourses, proctor.RoleInstructor, false, false},
		{"system administrator", []string{system + "SysAdmin"}, true, GoCourses, proctor.RoleInstructor, false, false},
		{"administrator who teaches the course", []string{lti.RoleAdmin, lti.RoleInstructor}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"administrator enrolled as a learner", []string{lti.RoleAdmin, lti.RoleLearner}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"instructor who is also a learner", []string{lti.RoleLearner, lti.RoleInstructor}, false, GoDashboard, proctor.RoleInstructor, true, false},
		{"mentor", []string{membership + "Mentor"}, false, 0, "", false, true},
		{"institution student (not a course role)", []string{institution + "Student"}, false, 0, "", false, true},
		{"an unknown vocabulary", []string{"https://lms.example.edu/roles#Instructor"}, false, 0, "", false, true},
		{"no roles", nil, false, 0, "", false, true},
		{"learner without a course", []string{lti.RoleLearner}, true, 0, "", false, true},
	} {
		l := &lti.Launch{PlatformID: p.ID, MessageType: lti.MsgResourceLink, Sub: fmt.Sprintf("user-%d", i), Name: c.name,
			Roles: c.roles, Context: lti.Context{ID: "course-1", Label: "BIO-101", Title: "Biology"},
			ResourceLink: lti.ResourceLink{ID: "link-1", Title: "Dashboard"}}
		if c.noCourse {
			l.Context = lti.Context{}
		}
		out, err := s.Complete(context.Background(), l)
		var refusal *lti.Refusal
		if c.refused {
			if !errors.As(err, &refusal) {
				t.Errorf("%s: outcome %+v, err %v; want a refusal", c.name, out, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		role := proctor.Role("")
		if out.User != nil {
			role = out.User.Role
		}
		if out.Kind != c.wantKind || role != c.wantRole {
			t.Errorf("%s: leads to %v as %q, want %v as %q", c.name, out.Kind, role, c.wantKind, c.wantRole)
		}
		if out.User != nil && out.Course != nil {
			member, err := db(s).IsCourseMember(context.Background(), out.Course.ID, out.User.ID)
			if err != nil || member != c.wantMember {
				t.Errorf("%s: course member %v (err %v), want %v", c.name, member, err, c.wantMember)
			}
		}
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
