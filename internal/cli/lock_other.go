//go:build !unix

package cli

// lockDatabase is a no-op where flock is not available; run one vigil
// serve per data folder there.
func lockDatabase(string) (func(), error) { return func() {}, nil }
