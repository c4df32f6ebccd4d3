// Package testneeds decides, in one place, what a test does when something
// it needs from outside Go is missing: a PostgreSQL server, the S3 server
// (versitygw), Chromium, or an X desktop. On a developer's machine the test
// is skipped, loudly; where the need is required (CI=true, or
// VIGIL_TEST_REQUIRE_<NEED>=1) the test fails instead, so a missing server
// is never mistaken for a pass. `make test` installs all of them
// (`make testdeps`).
package testneeds

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"
)

// Need is something from outside Go that some tests use.
type Need string

// The needs; each is required by CI=true or VIGIL_TEST_REQUIRE_<NEED>=1
// (VIGIL_TEST_REQUIRE_POSTGRES, _S3, _CHROMIUM, _DESKTOP, _TMPFS).
const (
	Postgres Need = "postgres"
	S3       Need = "s3"
	Chromium Need = "chromium"
	Desktop  Need = "desktop"
	// Tmpfs: mounting a small tmpfs (root on Linux), to fill a real disk.
	Tmpfs Need = "tmpfs"
)

// Required reports whether a missing n fails the tests instead of
// skipping them.
func Required(n Need) bool {
	return os.Getenv("CI") == "true" || os.Getenv("VIGIL_TEST_REQUIRE_"+strings.ToUpper(string(n))) == "1"
}

// skips are the needs this test binary skipped tests for, with why.
var skips struct {
	mu  sync.Mutex
	why map[Need]string
	n   map[Need]int
}

// Missing ends the test because n is missing: t.Fatal when n is required,
// otherwise t.Skip with why and how to get it, remembered for Main's
// summary and for `make test` (VIGIL_TEST_SKIPS names a file it appends
// one line to per skipped need).
func Missing(t testing.TB, n Need, why, fix string) {
	t.Helper()
	msg := fmt.Sprintf("%s is missing: %s. %s", n, why, fix)
	if Required(n) {
		t.Fatalf("%s (required here: CI=true or VIGIL_TEST_REQUIRE_%s=1)", msg, strings.ToUpper(string(n)))
	}
	skips.mu.Lock()
	if skips.why == nil {
		skips.why, skips.n = map[Need]string{}, map[Need]int{}
	}
	first := skips.n[n] == 0
	skips.why[n] = msg
	skips.n[n]++
	skips.mu.Unlock()
	if first {
		record(msg)
	}
	t.Skipf("SKIPPED, NOT TESTED: %s", msg)
}

// record appends a skip to the file VIGIL_TEST_SKIPS names, which the
// Makefile prints after `go test` (go test shows nothing of a passing
// package but its "ok" line).
func record(msg string) {
	path := os.Getenv("VIGIL_TEST_SKIPS")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	exe, _ := os.Executable()
	fmt.Fprintf(f, "%s: %s\n", strings.TrimSuffix(filepath.Base(exe), ".test"), msg)
}

// Main runs the tests and then prints, to stderr, one line that stands out
// per need whose tests were skipped. A package whose tests use this
// package calls it from TestMain: os.Exit(testneeds.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	skips.mu.Lock()
	defer skips.mu.Unlock()
	for n, msg := range skips.why {
		fmt.Fprintf(os.Stderr, "\n!!!!! %d test(s) SKIPPED, NOT TESTED — %s\n", skips.n[n], msg)
	}
	return code
}

// DefaultPostgresURL is the server the tests look for when
// VIGIL_TEST_POSTGRES_URL is not set (CI runs PostgreSQL 15 there, trust
// auth).
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var postgres struct {
	once sync.Once
	err  error
}

// PostgresURL is the URL of a PostgreSQL server that answers
// (VIGIL_TEST_POSTGRES_URL, else DefaultPostgresURL). When none answers
// it ends the test through Missing.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := cmp.Or(os.Getenv("VIGIL_TEST_POSTGRES_URL"), DefaultPostgresURL)
	postgres.once.Do(func() { postgres.err = ping(u) })
	if postgres.err != nil {
		Missing(t, Postgres, fmt.Sprintf("no server answers at %s (%v)", redacted(u), postgres.err),
			"Start PostgreSQL there (user postgres, trust auth) or set VIGIL_TEST_POSTGRES_URL")
	}
	return u
}

func ping(u string) error {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// redacted hides a password in a database URL.
func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "the configured URL"
}
