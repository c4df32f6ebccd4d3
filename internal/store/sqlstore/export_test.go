package sqlstore

import "testing"

// The external tests (package sqlstore_test) share these helpers.
var (
	NewSession = newSession
	Must       = must
	// MigrateOnly and CheckOneExamMerge run migration 0011's test on
	// PostgreSQL too (postgres_test.go).
	MigrateOnly       = migrateOnly
	CheckOneExamMerge = checkOneExamMerge
)

// PostgresMigration is the SQL of migration version as PostgreSQL runs it.
func PostgresMigration(t *testing.T, version int) string {
	t.Helper()
	ms, err := migrations(postgresDialect{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version == version {
			return m.sql
		}
	}
	t.Fatalf("no migration %d", version)
	return ""
}
