package sqlstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/rivermigrate"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// newSession creates a course, an exam, a student and a session for tests.
func newSession(t testing.TB, st store.Store) *proctor.Session {
	t.Helper()
	ctx := t.Context()
	c := &proctor.Course{Code: "C", Title: "C", Enabled: true}
	must(t, st.CreateCourse(ctx, c))
	e := &proctor.Exam{CourseID: c.ID, Title: "E", Settings: proctor.DefaultSettings()}
	must(t, st.CreateExam(ctx, e))
	s := &proctor.Student{CourseID: c.ID, FirstName: "A", LastName: "B"}
	must(t, st.CreateStudent(ctx, s))
	sess := &proctor.Session{ExamID: e.ID, StudentID: s.ID, CreatedAt: time.Now(), ClientStartedAt: time.Now()}
	must(t, st.CreateSession(ctx, sess))
	return sess
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sqliteAt opens a new SQLite database with River's tables and Vigil's
// migrations applied only where keep says, as an older Vigil (or a branch
// merged later) would have left it; the test then runs Migrate.
func sqliteAt(t *testing.T, keep func(version int) bool) *Store {
	t.Helper()
	ctx := t.Context()
	st, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "m.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	migrateOnly(t, st, keep)
	return st
}

// migrateOnly gives an empty database (SQLite, or a PostgreSQL schema)
// River's tables and those of Vigil's migrations keep says.
func migrateOnly(t *testing.T, st *Store, keep func(version int) bool) {
	t.Helper()
	ctx := t.Context()
	migrator, err := rivermigrate.New(st.driver, nil)
	must(t, err)
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	must(t, err)
	_, err = st.writer.ExecContext(ctx, st.d.schemaTable())
	must(t, err)
	ms, err := migrations(st.d.name())
	must(t, err)
	for _, m := range ms {
		if keep(m.version) {
			must(t, st.apply(ctx, m))
		}
	}
}
