package pgstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/store"
)

// dbtx is what both a pool and a transaction offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the queries: on the Store q is the pool and tx is nil; inside a
// transaction both are the transaction, so it reads its own writes.
type conn struct {
	q  dbtx
	tx *sql.Tx
	s  *Store
}

// tx is a write transaction (store.Tx).
type tx struct{ *conn }

var _ store.Tx = (*tx)(nil)

// Enqueue inserts a River job inside the transaction.
func (t *tx) Enqueue(ctx context.Context, job store.JobArgs) error {
	if _, err := t.s.inserter.InsertTx(ctx, t.conn.tx, job, nil); err != nil {
		return fmt.Errorf("pgstore: enqueue %s: %w", job.Kind(), err)
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
	if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, t.conn.tx, j); err != nil {
		return fmt.Errorf("pgstore: complete job %d: %w", job.ID, err)
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

// nocase compares and orders text as SQLite's COLLATE NOCASE does: ASCII
// letters folded (lower() under the "C" collation folds nothing else),
// then byte order. The unique index on users' email is on this expression.
func nocase(expr string) string { return `lower(` + expr + ` COLLATE "C")` }

// SQLSTATE codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// wrap turns driver errors into the store's sentinels with context.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrNotFound)
	case pgCode(err) == codeUniqueViolation:
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrConflict)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
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

// exec runs a write.
func (c *conn) exec(ctx context.Context, op, query string, args ...any) error {
	_, err := c.q.ExecContext(ctx, query, args...)
	return wrap(op, err)
}

// insertID runs an INSERT … RETURNING id.
func (c *conn) insertID(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	err := c.q.QueryRowContext(ctx, query, args...).Scan(&id)
	return id, wrap(op, err)
}

// execOne runs a write and fails with ErrNotFound when it touched no row.
func (c *conn) execOne(ctx context.Context, op, query string, args ...any) error {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("pgstore: %s: %w", op, store.ErrNotFound)
	}
	return nil
}
