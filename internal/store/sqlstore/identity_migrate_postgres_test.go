package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/store/sqlstore"
)

// TestIdentityMigrationPostgres runs the settings update of migration 0010
// (as PostgreSQL runs it) over exams stored before it: Different Person
// joins a fail-at-once list that names something, a cleared list stays
// clear, and running it again adds nothing twice.
func TestIdentityMigrationPostgres(t *testing.T) {
	st, raw := migrated(t)
	ctx := t.Context()
	migration := sqlstore.PostgresMigration(t, 10)
	i := strings.Index(migration, "UPDATE exams")
	if i < 0 {
		t.Fatal("0010_identity.sql has no UPDATE of exams")
	}
	update := migration[i:]
	c := &proctor.Course{Code: "C", Title: "C", Enabled: true}
	if err := st.CreateCourse(ctx, c); err != nil {
		t.Fatal(err)
	}
	exams := map[string]string{
		"usual":   `{"policy":{"fail_at_once":["multiple_people","blacklisted_apps"],"fail_share":0.15}}`,
		"cleared": `{"policy":{"fail_at_once":[],"fail_share":0.15}}`,
		"none":    `{"policy":{"fail_at_once":null,"fail_share":0.15}}`,
		"already": `{"policy":{"fail_at_once":["different_person"],"fail_share":0.15}}`,
	}
	ids := map[string]int64{}
	for name, settings := range exams {
		e := &proctor.Exam{CourseID: c.ID, Title: name, Settings: proctor.DefaultSettings()}
		if err := st.CreateExam(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `UPDATE exams SET settings = $1 WHERE id = $2`, settings, e.ID); err != nil {
			t.Fatal(err)
		}
		ids[name] = e.ID
	}
	for range 2 {
		if _, err := raw.ExecContext(ctx, update); err != nil {
			t.Fatalf("%s: %v", update, err)
		}
	}
	want := map[string][]proctor.ViolationType{
		"usual":   {proctor.MultiplePeople, proctor.BlacklistedApps, proctor.DifferentPerson},
		"cleared": {}, "none": nil, "already": {proctor.DifferentPerson},
	}
	for name, id := range ids {
		e, err := st.GetExam(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(e.Settings.Policy.FailAtOnce, want[name]) {
			t.Errorf("%s: fail at once %v, want %v", name, e.Settings.Policy.FailAtOnce, want[name])
		}
	}
}
