// Package sqlstore keeps Vigil's data in SQL: one SQLite file (the embedded
// default, pure Go) or PostgreSQL (several Vigil processes sharing one
// database). The queries, the transaction rules and the migration runner
// are written once; what really differs between the engines (connection
// setup, error codes, isolation and retry, River's driver, a few pieces of
// SQL syntax) is a dialect: dialect_sqlite.go and dialect_postgres.go.
//
// Queries are written in PostgreSQL's placeholder style ($1, $2, …), which
// SQLite reads too (the same $n twice is the same argument), with the
// syntax both engines share: RETURNING, ON CONFLICT … DO UPDATE, true and
// false for booleans (SQLite stores them as 1 and 0). Times are stored as
// Unix milliseconds in both.
//
// Background jobs (River) live in the same database, so a job enqueued in
// InTx commits with the rows it is about.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"vigil/internal/store"
)

// Store implements store.Store on SQLite or PostgreSQL.
type Store struct {
	*conn
	d dialect
	// writer takes every write; reader serves reads outside transactions.
	// On PostgreSQL both are the one pool; on SQLite writer is a single
	// connection and reader a read-only pool beside it.
	writer, reader *sql.DB
	driver         riverdriver.Driver[*sql.Tx]
	inserter       *river.Client[*sql.Tx]
	known          knownJobs // unique jobs' IDs, for Enqueue
	// group commits InTx's transactions together (SQLite); nil: each
	// commits alone.
	group *group
	// readStmts and writeStmts keep statements prepared (SQLite); nil:
	// the driver's own cache (PostgreSQL).
	readStmts, writeStmts *stmts
}

var _ store.Store = (*Store)(nil)

// newStore finishes opening a store on pools a dialect has set up: it
// checks the connection and makes the job inserter. On failure it closes
// the pools.
func newStore(ctx context.Context, d dialect, writer, reader *sql.DB, driver riverdriver.Driver[*sql.Tx], where string) (*Store, error) {
	s := &Store{d: d, writer: writer, reader: reader, driver: driver}
	s.conn = &conn{r: reader, w: writer, s: s}
	if err := writer.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: open %s: %w", where, err)
	}
	// An insert-only River client: it enqueues inside our transactions. The
	// workers run elsewhere (package jobs) with their own client.
	var err error
	s.inserter, err = river.NewClient(driver, &river.Config{})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: job inserter: %w", err)
	}
	return s, nil
}

// RiverDriver is River's driver on the writer pool.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.driver }

// Close closes the pools.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.close()
	}
	for _, c := range []*stmts{s.readStmts, s.writeStmts} {
		if c != nil {
			c.close()
		}
	}
	if s.reader == s.writer {
		return s.writer.Close()
	}
	return errors.Join(s.reader.Close(), s.writer.Close())
}
