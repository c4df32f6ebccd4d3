package sqlstore

// The external tests (package sqlstore_test) share these helpers.
var (
	NewSession = newSession
	Must       = must
)
