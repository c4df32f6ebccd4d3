package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river/rivertype"

	"vigil/internal/store"
)

// dialect is what differs between the engines. Everything else in this
// package, queries included, is shared.
type dialect interface {
	// name is the engine's name, for messages.
	name() string
	// schemaWords fill in the migrations' templates (migrate.go).
	schemaWords() schemaWords

	// mustRetry reports whether a transaction that failed with err should
	// run again from the start (PostgreSQL's serialization failures and
	// deadlocks; never on SQLite, where one writer runs at a time).
	mustRetry(err error) bool
	// txOptions are the options of InTx's transactions (inTx) or of the
	// store's own multi-statement methods run outside one.
	txOptions(inTx bool) *sql.TxOptions
	// abortsTxOnError: after a failed statement the whole transaction is
	// aborted (PostgreSQL), rather than only the statement undone (SQLite).
	abortsTxOnError() bool
	// completeJob marks a running River job complete inside tx.
	completeJob(ctx context.Context, tx *sql.Tx, job *rivertype.JobRow) error

	// nocase is expr compared and ordered with ASCII letters folded.
	nocase(expr string) string
	// bytewise is expr ordered byte by byte, whatever the database's
	// default collation.
	bytewise(expr string) string
	// rowLock is the clause that locks the rows a SELECT reads until the
	// transaction ends (strength: "UPDATE" or "NO KEY UPDATE"); empty
	// where the engine has no row locks because writers take turns.
	rowLock(strength string) string

	// schemaTable creates the table of applied migrations if missing.
	schemaTable() string
	// schemaTableExists is a query for one boolean: whether it exists.
	schemaTableExists() string
	// lockMigrations keeps other processes from migrating until unlock.
	lockMigrations(ctx context.Context, db *sql.DB) (unlock func(), err error)
}

// isUnique reports whether err is a unique or primary-key violation. It
// asks both engines' drivers: an error only ever comes from one of them.
func isUnique(err error) bool { return sqliteUnique(err) || pgCode(err) == codeUniqueViolation }

// isFull reports whether err says the database's disk is full, in either
// engine's words.
func isFull(err error) bool { return sqliteFull(err) || pgCode(err) == codeDiskFull }

// full marks an error that says the disk is full with store.ErrStorageFull,
// so callers can tell it from other failures.
func full(err error) error {
	if err == nil || errors.Is(err, store.ErrStorageFull) || !isFull(err) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrStorageFull, err)
}
