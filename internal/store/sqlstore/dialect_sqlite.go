package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating if needed) the SQLite database file at path:
// WAL journal, a single writer connection so writers queue in Go rather
// than fail with SQLITE_BUSY, and a pool of read-only connections beside
// it. It does not migrate: call Migrate, or check SchemaVersion before
// serving. One process at a time: vigil serve holds the lock file beside it.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	writer, err := openSQLitePool(path, writerPragmas, 1)
	if err != nil {
		return nil, err
	}
	reader, err := openSQLitePool(path, readerPragmas, max(4, runtime.NumCPU()))
	if err != nil {
		writer.Close()
		return nil, err
	}
	s, err := newStore(ctx, sqliteDialect{}, writer, reader, riversqlite.New(writer), path)
	if err != nil {
		return nil, err
	}
	s.readStmts, s.writeStmts = newStmts(reader), newStmts(writer)
	s.conn = &conn{r: cachedDB{s.readStmts}, w: cachedDB{s.writeStmts}, s: s}
	s.group = newGroup(s)
	return s, nil
}

// The writer waits up to 10 s for a lock held by another process (the CLI
// while the server runs), takes the write lock at BEGIN so a transaction never
// fails half-way on an upgrade, and syncs fully because an upload is only
// acknowledged once it is durable.
var writerPragmas = []string{
	"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)",
}

var readerPragmas = []string{"busy_timeout(10000)", "foreign_keys(1)", "query_only(1)"}

func openSQLitePool(path string, pragmas []string, conns int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if conns == 1 {
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// sqliteDialect: one writer at a time, so transactions never conflict and
// need neither isolation levels nor row locks.
type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// schemaWords: SQLite's spelling.
func (sqliteDialect) schemaWords() schemaWords {
	return schemaWords{
		AutoID: "INTEGER PRIMARY KEY",
		Int:    "INTEGER", Real: "REAL", Bool: "INTEGER", Blob: "BLOB",
		True: "1", False: "0",
		WithoutRowID: " WITHOUT ROWID",
		Nocase:       " COLLATE NOCASE",
		// julianday counts days since noon, 24 November 4714 BC; 2440587.5
		// of them had passed at the Unix epoch.
		NowMillis: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
		// The column's own collation folds letters.
		folded:  func(col string) string { return col },
		isFalse: "%s = 0",
	}
}

// sqliteUnique reports whether err is SQLite's unique or primary-key violation.
func sqliteUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// sqliteFull reports whether err is SQLite's "database or disk is full".
func sqliteFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

func (sqliteDialect) mustRetry(error) bool { return false }

// txOptions: the writer's transactions are IMMEDIATE (its _txlock), and
// SQLite offers no other isolation than serializable.
func (sqliteDialect) txOptions(bool) *sql.TxOptions { return nil }

func (sqliteDialect) abortsTxOnError() bool { return false }

func (sqliteDialect) completeJob(ctx context.Context, tx *sql.Tx, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, &river.Job[rowArgs]{JobRow: job, Args: rowArgs{kind: job.Kind}})
	return err
}

func (sqliteDialect) nocase(expr string) string { return expr + ` COLLATE NOCASE` }

// bytewise: SQLite's default collation (BINARY) is byte order already.
func (sqliteDialect) bytewise(expr string) string { return expr }

func (sqliteDialect) rowLock(string) string { return "" }

func (sqliteDialect) schemaTable() string {
	return `CREATE TABLE IF NOT EXISTS vigil_schema (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`
}

func (sqliteDialect) schemaTableExists() string {
	return `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'vigil_schema'`
}

// lockMigrations: the writer connection's IMMEDIATE transactions already
// make migrations take turns, and vigil serve holds the lock file.
func (sqliteDialect) lockMigrations(context.Context, *sql.DB) (func(), error) { return func() {}, nil }
