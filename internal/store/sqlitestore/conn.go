package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"vigil/internal/store"
)

// dbtx is what both a pool and a transaction offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the queries: reads on r, writes on w. On the Store r is the
// reader pool and w the single writer; inside a transaction both are the tx,
// so a transaction reads its own writes.
type conn struct {
	r, w dbtx
	s    *Store
}

// tx is a write transaction (store.Tx).
type tx struct {
	*conn
	sqlTx *sql.Tx
}

var _ store.Tx = (*tx)(nil)

// InTx runs fn in one IMMEDIATE transaction on the writer.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: begin: %w", err)
	}
	t := &tx{conn: &conn{r: sqlTx, w: sqlTx, s: s}, sqlTx: sqlTx}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	return nil
}

// Enqueue inserts a River job inside the transaction.
func (t *tx) Enqueue(ctx context.Context, job store.JobArgs) error {
	if _, err := t.s.inserter.InsertTx(ctx, t.sqlTx, job, nil); err != nil {
		return fmt.Errorf("sqlitestore: enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// rowArgs lets a bare job row pass through River's typed API.
type rowArgs struct{ kind string }

func (a rowArgs) Kind() string { return a.kind }

// CompleteJob marks a running job complete inside the transaction. It must
// be called from a River worker (River finds its client in ctx).
func (t *tx) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	j := &river.Job[rowArgs]{JobRow: job, Args: rowArgs{kind: job.Kind}}
	if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, t.sqlTx, j); err != nil {
		return fmt.Errorf("sqlitestore: complete job %d: %w", job.ID, err)
	}
	return nil
}

// ms converts a time to stored Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms, in UTC.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isUnique reports whether err is a unique or primary-key violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// wrap turns driver errors into the store's sentinels with context.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlitestore: %s: %w", op, store.ErrNotFound)
	case isUnique(err):
		return fmt.Errorf("sqlitestore: %s: %w", op, store.ErrConflict)
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, err)
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q dbtx, op, query string, scan func(scanner) (*T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, *v)
	}
	return out, wrap(op, rows.Err())
}

// insertID runs an INSERT on the writer and returns the new row's id.
func (c *conn) insertID(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := c.w.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, wrap(op, err)
	}
	id, err := res.LastInsertId()
	return id, wrap(op, err)
}

// exec runs a write and fails with ErrNotFound when it touched no row.
func (c *conn) execOne(ctx context.Context, op, query string, args ...any) error {
	res, err := c.w.ExecContext(ctx, query, args...)
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlitestore: %s: %w", op, store.ErrNotFound)
	}
	return nil
}
