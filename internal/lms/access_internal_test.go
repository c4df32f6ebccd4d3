package lms

import (
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

// TestRosterStatusesTakeAccessAway: a roster that lists a teacher as
// Inactive or Deleted, without a teaching role, or not at all removes
// their membership; one that lists a TA lowers an instructor to reviewer;
// a local account is never touched.
func TestRosterStatusesTakeAccessAway(t *testing.T) {
	ctx := t.Context()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: st, Now: func() time.Time { return time.Now().UTC() }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p := &proctor.Platform{Name: "LMS", Issuer: "https://lms", ClientID: "1", AuthURL: "a", TokenURL: "t", JWKSURL: "j"}
	must(t, st.CreatePlatform(ctx, p))
	c := &proctor.Course{Code: "C", Title: "C"}
	must(t, st.CreateCourse(ctx, c))
	must(t, st.SaveLTIContext(ctx, &proctor.LTIContext{CourseID: c.ID, PlatformID: p.ID, ContextID: "ctx"}))
	instructor := []string{lti.RoleInstructor}
	roster := []lti.Member{
		{UserID: "inactive", Status: "Inactive", Roles: instructor},
		{UserID: "deleted", Status: "Deleted", Roles: instructor},
		{UserID: "learner", Status: "Active", Roles: []string{lti.RoleLearner}},
		{UserID: "ta", Status: "Active", Roles: []string{lti.RoleInstructor, lti.RoleTA}},
		{UserID: "stays", Roles: instructor}, // no status: active
	}
	ids := map[string]int64{}
	for _, sub := range []string{"inactive", "deleted", "learner", "ta", "stays", "gone"} {
		u := &proctor.User{Email: sub + "@lms", Name: sub, Role: proctor.RoleInstructor}
		must(t, st.CreateUser(ctx, u, ""))
		must(t, st.LinkLTIUser(ctx, p.ID, sub, u.ID))
		must(t, st.SetCourseMember(ctx, c.ID, u.ID, proctor.CourseInstructor))
		ids[sub] = u.ID
	}
	local := &proctor.User{Email: "local@x", Name: "Local", Role: proctor.RoleInstructor}
	must(t, st.CreateUser(ctx, local, "hash"))
	must(t, st.AddCourseMember(ctx, c.ID, local.ID))
	ids["local"] = local.ID

	must(t, st.InTx(ctx, func(tx store.Tx) error { return s.reconcileMembers(ctx, tx, c.ID, roster) }))
	want := map[string]proctor.CourseRole{"inactive": "", "deleted": "", "learner": "", "gone": "",
		"ta": proctor.CourseReviewer, "stays": proctor.CourseInstructor, "local": proctor.CourseInstructor}
	for who, role := range want {
		got, err := st.CourseRole(ctx, c.ID, ids[who])
		if err != nil || got != role {
			t.Errorf("%s: role %q (%v), want %q", who, got, err, role)
		}
	}
	removed, _ := st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditMemberRemoved})
	if len(removed) != 4 {
		t.Errorf("%d removal audit entries, want 4", len(removed))
	}
	// An empty roster (a platform fault more likely than an empty course)
	// removes nobody.
	must(t, st.InTx(ctx, func(tx store.Tx) error { return s.reconcileMembers(ctx, tx, c.ID, nil) }))
	if got, _ := st.CourseRole(ctx, c.ID, ids["stays"]); got != proctor.CourseInstructor {
		t.Errorf("an empty roster removed a member")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
