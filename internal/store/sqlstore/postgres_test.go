package sqlstore_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/store/storetest"
	"vigil/internal/testneeds"
)

// The tests run against a real PostgreSQL, each in a schema of its own
// that is dropped afterwards. Without a server they are skipped loudly, or
// fail where PostgreSQL is required (CI): package testneeds decides.
func baseURL() string {
	return cmp.Or(os.Getenv("VIGIL_TEST_POSTGRES_URL"), testneeds.DefaultPostgresURL)
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB is a connection to the test server for creating and dropping
// schemas; without a server it ends the test through testneeds.
func adminDB(t *testing.T) *sql.DB {
	t.Helper()
	testneeds.PostgresURL(t)
	admin.once.Do(func() { admin.db, admin.err = sql.Open("pgx", baseURL()) })
	if admin.err != nil {
		t.Fatalf("PostgreSQL: %v", admin.err)
	}
	return admin.db
}

// createSchema creates an empty schema and returns its name and a database
// URL whose search_path is that schema.
func createSchema(ctx context.Context, db *sql.DB) (name, dbURL string, err error) {
	b := make([]byte, 6)
	rand.Read(b)
	name = "vigil_test_" + hex.EncodeToString(b)
	u, err := url.Parse(baseURL())
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	_, err = db.ExecContext(ctx, `CREATE SCHEMA `+pgx.Identifier{name}.Sanitize())
	return name, u.String(), err
}

func dropSchema(db *sql.DB, name string) error {
	// Not the test's context: that is cancelled by the time cleanups run.
	_, err := db.ExecContext(context.Background(), `DROP SCHEMA `+pgx.Identifier{name}.Sanitize()+` CASCADE`)
	return err
}

// newSchema is createSchema for one test, dropped when the test ends.
func newSchema(t *testing.T) (string, string) {
	t.Helper()
	db := adminDB(t)
	name, dbURL, err := createSchema(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dropSchema(db, name); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name, dbURL
}

// open opens a store at dbURL, closed when the test ends (before its
// schema is dropped).
func open(t *testing.T, dbURL string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.OpenPostgres(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMain(m *testing.M) {
	code := testneeds.Main(m)
	if stores.started() {
		stores.stop()
	}
	os.Exit(code)
}

func TestStoreSuitePostgres(t *testing.T) {
	adminDB(t) // one clear failure when there is no server, not one per subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		st, _ := stores.take(t)
		return st
	})
}

// stores migrates fresh schemas before the tests ask for them: migrating
// (River's tables, then Vigil's) is most of a test's time here, and
// PostgreSQL does it for several schemas at once. Each test still gets a
// schema of its own, dropped when it ends.
var stores ahead

const aheadWorkers = 3

type ahead struct {
	once  sync.Once
	db    *sql.DB
	ready chan prepared
	done  chan struct{}
	wg    sync.WaitGroup
}

type prepared struct {
	schema, dbURL string
	err           error
}

func (a *ahead) start(db *sql.DB) {
	a.db, a.ready, a.done = db, make(chan prepared, aheadWorkers), make(chan struct{})
	for range aheadWorkers {
		a.wg.Go(func() {
			for {
				p := a.prepare()
				select {
				case a.ready <- p:
				case <-a.done:
					a.discard(p)
					return
				}
			}
		})
	}
}

func (a *ahead) started() bool { return a.ready != nil }

// prepare makes a migrated schema. Its store is closed again, so that
// schemas waiting for a test hold no connections: PostgreSQL allows only
// so many, and other tests may share the server.
func (a *ahead) prepare() prepared {
	ctx := context.Background()
	var p prepared
	if p.schema, p.dbURL, p.err = createSchema(ctx, a.db); p.err != nil {
		return p
	}
	st, err := sqlstore.OpenPostgres(ctx, p.dbURL)
	if err != nil {
		p.err = err
		return p
	}
	defer st.Close()
	_, p.err = st.Migrate(ctx)
	return p
}

func (a *ahead) discard(p prepared) error {
	if p.schema == "" {
		return nil
	}
	return dropSchema(a.db, p.schema)
}

// take returns a store on a fresh, migrated, empty schema, closed and
// dropped when the test ends.
func (a *ahead) take(t *testing.T) (*sqlstore.Store, prepared) {
	t.Helper()
	db := adminDB(t)
	a.once.Do(func() { a.start(db) })
	p := <-a.ready
	t.Cleanup(func() {
		if err := a.discard(p); err != nil {
			t.Errorf("drop schema %s: %v", p.schema, err)
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return open(t, p.dbURL), p
}

// stop ends the workers and drops the schemas no test took.
func (a *ahead) stop() {
	close(a.done)
	go func() {
		a.wg.Wait()
		close(a.ready)
	}()
	for p := range a.ready {
		a.discard(p)
	}
}

func TestSchemaVersionBeforeAndAfterMigratePostgres(t *testing.T) {
	schema, dbURL := newSchema(t)
	st := open(t, dbURL)
	have, want, err := st.SchemaVersion(t.Context())
	if err != nil || have != 0 || want != latestMigration(t) {
		t.Fatalf("empty schema: have %d want %d err %v", have, want, err)
	}
	applied, err := st.Migrate(t.Context())
	if err != nil || len(applied) != countMigrations(t) || applied[0] != 1 || applied[len(applied)-1] != want {
		t.Fatalf("Migrate applied %v, err %v", applied, err)
	}
	again, err := st.Migrate(t.Context())
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate applied %v, err %v", again, err)
	}
	if have, _, err := st.SchemaVersion(t.Context()); err != nil || have != want {
		t.Fatalf("after Migrate: have %d, err %v", have, err)
	}
	// Vigil's tables and River's are in the schema the URL named.
	var n int
	err = adminDB(t).QueryRowContext(t.Context(), `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('vigil_schema', 'sessions', 'audit_log', 'river_job', 'river_migration')`,
		schema).Scan(&n)
	if err != nil || n != 5 {
		t.Fatalf("%d of 5 tables in schema %s (%v)", n, schema, err)
	}
}

func TestMigrateTogether(t *testing.T) {
	// Several processes starting at once all migrate: they take turns, and
	// between them every migration is applied once.
	_, dbURL := newSchema(t)
	var wg sync.WaitGroup
	applied := make(chan []int, 3)
	for range 3 {
		wg.Go(func() {
			st, err := sqlstore.OpenPostgres(t.Context(), dbURL)
			if err != nil {
				t.Error(err)
				return
			}
			defer st.Close()
			a, err := st.Migrate(t.Context())
			if err != nil {
				t.Error(err)
			}
			applied <- a
		})
	}
	wg.Wait()
	close(applied)
	total := 0
	for a := range applied {
		total += len(a)
	}
	if want := countMigrations(t); total != want {
		t.Fatalf("%d migrations applied in all, want %d", total, want)
	}
}

func TestMigrateNeedsASchema(t *testing.T) {
	u, err := url.Parse(baseURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "vigil_test_no_such_schema")
	u.RawQuery = q.Encode()
	st, err := sqlstore.OpenPostgres(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("Migrate without a schema: %v", err)
	}
}

func TestOpenRefusesOtherURLs(t *testing.T) {
	for _, u := range []string{"file:vigil.db", "host=localhost", "postgres://localhost/x?pool_max_conns=1",
		"postgres://localhost/x?pool_max_conns=many"} {
		if st, err := sqlstore.OpenPostgres(t.Context(), u); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

// migrated is a migrated store and a raw connection to its schema, for
// statements the store never runs.
func migrated(t *testing.T) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	st, p := stores.take(t)
	raw, err := sql.Open("pgx", p.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// Closed before the store's cleanup drops the schema.
	t.Cleanup(func() { raw.Close() })
	var got string
	if err := raw.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&got); err != nil || got != p.schema {
		t.Fatalf("raw connection is on schema %q (%v), want %q", got, err, p.schema)
	}
	return st, raw
}

// The store has no update or delete path for the audit log; the schema
// refuses them too, so a hand-written statement cannot rewrite history.
func TestAuditLogRefusesUpdateAndDeletePostgres(t *testing.T) {
	st, raw := migrated(t)
	if err := st.AppendAudit(t.Context(), &proctor.AuditEntry{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET action = 'y'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := raw.ExecContext(t.Context(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
	if all, err := st.ListAudit(t.Context(), store.AuditFilter{}); err != nil || len(all) != 1 || all[0].Action != "x" {
		t.Fatalf("audit log after the attempts: %+v, %v", all, err)
	}
}

type testJob struct {
	N int `json:"n"`
}

func (testJob) Kind() string { return "sqlstore_test_job" }

func countJobs(t *testing.T, raw *sql.DB) int {
	t.Helper()
	var n int
	if err := raw.QueryRowContext(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'sqlstore_test_job'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRolledBackJobIsNotEnqueued(t *testing.T) {
	st, raw := migrated(t)
	boom := errors.New("boom")
	err := st.InTx(t.Context(), func(tx store.Tx) error {
		if err := tx.Enqueue(t.Context(), testJob{N: 1}); err != nil {
			return err
		}
		// Seen inside the transaction, as River's own insert.
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	if n := countJobs(t, raw); n != 0 {
		t.Fatalf("%d jobs after a rolled-back enqueue", n)
	}
	if err := st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), testJob{N: 2}) }); err != nil {
		t.Fatal(err)
	}
	if n := countJobs(t, raw); n != 1 {
		t.Fatalf("%d jobs after a committed enqueue, want 1", n)
	}
}

// A key conflict inside a transaction leaves it usable, as on SQLite:
// Vigil tries one course code, then another, in the same transaction.
func TestConflictInsideTransactionKeepsIt(t *testing.T) {
	st, _ := migrated(t)
	err := st.InTx(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateCourse(t.Context(), &proctor.Course{Code: "BIO", Title: "a"}); err != nil {
			return err
		}
		if err := tx.CreateCourse(t.Context(), &proctor.Course{Code: "BIO", Title: "b"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second BIO: %v, want ErrConflict", err)
		}
		return tx.CreateCourse(t.Context(), &proctor.Course{Code: "BIO (2)", Title: "b"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"BIO", "BIO (2)"} {
		if _, err := st.GetCourseByCode(t.Context(), code); err != nil {
			t.Errorf("course %s: %v", code, err)
		}
	}
}

// Two transactions that each check there is no frame and then add one
// cannot both succeed (write skew): PostgreSQL stops one, and InTx runs it
// again, when it sees the other's frame.
func TestInTxRetriesSerializationFailures(t *testing.T) {
	st, _ := migrated(t)
	s := newSession(t, st)
	var mu sync.Mutex
	runs := 0
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	var wg sync.WaitGroup
	for seq := range int64(2) {
		wg.Go(func() {
			first := true
			err := st.InTx(t.Context(), func(tx store.Tx) error {
				mu.Lock()
				runs++
				mu.Unlock()
				n, err := tx.CountFrames(t.Context(), s.ID)
				if err != nil {
					return err
				}
				if first { // both read before either writes
					first = false
					bothRead.Done()
					bothRead.Wait()
				}
				if n > 0 {
					return nil
				}
				return tx.InsertFrame(t.Context(), &proctor.Frame{SessionID: s.ID, Seq: seq, BlobKey: "k", SHA256: "h"})
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// PostgreSQL may stop both the first time; either way one frame.
	if n, err := st.CountFrames(t.Context(), s.ID); err != nil || n != 1 || runs < 3 {
		t.Fatalf("%d frames (%v) after %d runs; want 1 frame after 3 runs or more", n, err, runs)
	}
}

// Starts of the same student's exam inside concurrent transactions (as
// ingest does them) still get distinct attempt numbers.
func TestConcurrentStartsInTransactions(t *testing.T) {
	st, _ := migrated(t)
	first := newSession(t, st)
	var wg sync.WaitGroup
	attempts := make(chan int, 4)
	for range 4 {
		wg.Go(func() {
			err := st.InTx(t.Context(), func(tx store.Tx) error {
				if _, err := tx.LatestSession(t.Context(), first.ExamID, first.StudentID); err != nil {
					return err
				}
				s := &proctor.Session{ExamID: first.ExamID, StudentID: first.StudentID, CreatedAt: first.CreatedAt}
				if err := tx.CreateSession(t.Context(), s); err != nil {
					return err
				}
				attempts <- s.Attempt
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(attempts)
	seen := map[int]bool{first.Attempt: true}
	for a := range attempts {
		seen[a] = true
	}
	if len(seen) != 5 {
		t.Fatalf("attempts %v: want 5 distinct", seen)
	}
}

// newSession and must are shared with the internal tests (export_test.go).
var (
	newSession = sqlstore.NewSession
	must       = sqlstore.Must
)

// countMigrations and latestMigration read the migration files, so that
// adding one does not break these tests.
func countMigrations(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v (%d)", err, len(files))
	}
	return len(files)
}

func latestMigration(t *testing.T) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("migrations", "*.sql"))
	latest := 0
	for _, f := range files {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		latest = max(latest, n)
	}
	return latest
}

// TestOneExamMigrationMergesDuplicatesPostgres: migration 0011 on
// PostgreSQL (see sqlstore's checkOneExamMerge).
func TestOneExamMigrationMergesDuplicatesPostgres(t *testing.T) {
	_, dbURL := newSchema(t)
	st := open(t, dbURL)
	sqlstore.MigrateOnly(t, st, func(v int) bool { return v < 11 })
	sqlstore.CheckOneExamMerge(t, st)
}
