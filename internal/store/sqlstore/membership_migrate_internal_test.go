package sqlstore

import (
	"testing"

	"vigil/internal/proctor"
)

// TestMembershipMigrationScopesLMSAdministrators: migration 0008 turns an
// administrator made by an LMS launch into an administrator of that LMS's
// courses only; a local administrator stays one, and existing members
// become instructors.
func TestMembershipMigrationScopesLMSAdministrators(t *testing.T) {
	ctx := t.Context()
	st := sqliteAt(t, func(v int) bool { return v < 8 })
	p := &proctor.Platform{Name: "LMS", Issuer: "https://lms", ClientID: "1", AuthURL: "a", TokenURL: "t", JWKSURL: "j"}
	oldPlatform(t, st, p)
	lmsCourse := &proctor.Course{Code: "L", Title: "L"}
	must(t, st.CreateCourse(ctx, lmsCourse))
	oldContext(t, st, &proctor.LTIContext{CourseID: lmsCourse.ID, PlatformID: p.ID, ContextID: "c"})
	local := &proctor.Course{Code: "X", Title: "X"}
	must(t, st.CreateCourse(ctx, local))
	lmsAdmin := &proctor.User{Email: "lms@x", Name: "LMS admin", Role: proctor.RoleAdmin}
	must(t, st.CreateUser(ctx, lmsAdmin, ""))
	must(t, st.LinkLTIUser(ctx, p.ID, "sub", lmsAdmin.ID))
	root := &proctor.User{Email: "root@x", Name: "Root", Role: proctor.RoleAdmin}
	must(t, st.CreateUser(ctx, root, "$argon2id$hash"))
	teacher := &proctor.User{Email: "t@x", Name: "T", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, teacher, ""))
	must(t, st.AddCourseMember(ctx, local.ID, teacher.ID))

	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.GetUser(ctx, lmsAdmin.ID); u.Role != proctor.RoleInstructor {
		t.Fatalf("an LMS-made administrator is still %s", u.Role)
	}
	if u, _ := st.GetUser(ctx, root.ID); u.Role != proctor.RoleAdmin {
		t.Fatalf("the local administrator became %s", u.Role)
	}
	for _, c := range []struct {
		course, user int64
		want         proctor.CourseRole
	}{{lmsCourse.ID, lmsAdmin.ID, proctor.CourseInstructor}, {local.ID, lmsAdmin.ID, ""}, {local.ID, teacher.ID, proctor.CourseInstructor}} {
		if got, err := st.CourseRole(ctx, c.course, c.user); err != nil || got != c.want {
			t.Fatalf("course %d, user %d: role %q (%v), want %q", c.course, c.user, got, err, c.want)
		}
	}
}
