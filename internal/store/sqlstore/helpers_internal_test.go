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
	ms, err := migrations(st.d)
	must(t, err)
	for _, m := range ms {
		if keep(m.version) {
			must(t, st.apply(ctx, m))
		}
	}
}

// oldPlatform stores a platform, and oldContext ties a course to it, with
// the columns of schema 4 only: tests of older migrations run before
// migration 0018 added the platforms' joined_to and product and the
// contexts' nrps_platform_id.
func oldPlatform(t *testing.T, st *Store, p *proctor.Platform) {
	t.Helper()
	err := st.writer.QueryRowContext(t.Context(), `INSERT INTO lti_platforms (name, issuer, client_id, auth_url, token_url, jwks_url, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.Name, p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, int64(1)).Scan(&p.ID)
	if err != nil {
		t.Fatal(err)
	}
}

func oldContext(t *testing.T, st *Store, x *proctor.LTIContext) {
	t.Helper()
	if _, err := st.writer.ExecContext(t.Context(), `INSERT INTO lti_contexts (course_id, platform_id, context_id, lms_course_id)
		VALUES ($1, $2, $3, $4)`, x.CourseID, x.PlatformID, x.ContextID, x.LMSCourseID); err != nil {
		t.Fatal(err)
	}
}
