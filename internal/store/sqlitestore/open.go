// Package sqlitestore keeps Vigil's data in one SQLite file (pure Go, no
// cgo): WAL journal, a single writer connection so writers queue in Go rather
// than fail with SQLITE_BUSY, and a pool of read-only connections beside it.
// Background jobs (River) live in the same file, so a job commits with the
// rows it is about.
package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"vigil/internal/store"
)

// Store is the SQLite implementation of store.Store.
type Store struct {
	*conn
	writer   *sql.DB
	reader   *sql.DB
	driver   *riversqlite.Driver
	inserter *river.Client[*sql.Tx]
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path. It does not
// migrate: call Migrate, or check SchemaVersion before serving.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	writer, err := openPool(path, writerPragmas, 1)
	if err != nil {
		return nil, err
	}
	reader, err := openPool(path, readerPragmas, max(4, runtime.NumCPU()))
	if err != nil {
		writer.Close()
		return nil, err
	}
	s := &Store{writer: writer, reader: reader, driver: riversqlite.New(writer)}
	s.conn = &conn{r: reader, w: writer, s: s}
	if err := writer.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	// An insert-only River client: it enqueues inside our transactions. The
	// workers run elsewhere (package jobs) with their own client.
	s.inserter, err = river.NewClient(s.driver, &river.Config{})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlitestore: job inserter: %w", err)
	}
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

func openPool(path string, pragmas []string, conns int) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if conns == 1 {
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// RiverDriver is River's driver on the writer connection.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.driver }

// Close closes both pools.
func (s *Store) Close() error {
	rerr := s.reader.Close()
	if err := s.writer.Close(); err != nil {
		return err
	}
	return rerr
}
