package sqlstore

// The external tests (package sqlstore_test) share these helpers.
var (
	NewSession = newSession
	Must       = must
	// MigrateOnly and CheckOneExamMerge run migration 0011's test on
	// PostgreSQL too (postgres_test.go).
	MigrateOnly       = migrateOnly
	CheckOneExamMerge = checkOneExamMerge
)
