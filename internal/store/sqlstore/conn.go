package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vigil/internal/store"
)

// dbtx is what both a pool and a transaction offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the queries: reads on r, writes on w. On the Store r is the
// reader pool and w the writer (on PostgreSQL both the one pool) and tx is
// nil; inside a transaction all three are the transaction, so it reads its
// own writes.
type conn struct {
	r, w dbtx
	tx   *sql.Tx
	s    *Store
}

// nocase, bytewise and rowLock are the dialect's (see dialect), at hand
// where queries are written.
func (c *conn) nocase(expr string) string      { return c.s.d.nocase(expr) }
func (c *conn) bytewise(expr string) string    { return c.s.d.bytewise(expr) }
func (c *conn) rowLock(strength string) string { return c.s.d.rowLock(strength) }

// lockRows runs query, a SELECT, with the dialect's row lock of strength,
// to hold its rows until the transaction ends. Where the engine has no row
// locks (writers take turns) it does nothing.
func (c *conn) lockRows(ctx context.Context, op, strength, query string, args ...any) error {
	lock := c.rowLock(strength)
	if lock == "" {
		return nil
	}
	return c.exec(ctx, op, query+lock, args...)
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

// wrap turns driver errors into the store's sentinels with context.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	case isUnique(err):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, full(err))
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query on q (c.r, or c.w for a write that returns rows)
// and scans every row with scan.
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

// queryOne runs a query for one row on q and scans it (ErrNotFound when
// there is none).
func queryOne[T any](ctx context.Context, q dbtx, op, query string, scan func(scanner) (*T, error), args ...any) (*T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	return v, wrap(op, err)
}

// queryInt runs a query for one number on q: a count, the next sequence
// number.
func queryInt(ctx context.Context, q dbtx, op, query string, args ...any) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, wrap(op, err)
}

// execKeyed runs a write that may meet a unique key (ErrConflict; see keyed).
func (c *conn) execKeyed(ctx context.Context, op, query string, args ...any) error {
	return c.keyed(ctx, func() error { return c.exec(ctx, op, query, args...) })
}

// insertNew runs an INSERT that may meet a unique key, as execKeyed, but
// without a savepoint: the row is inserted unless one with its key exists
// (ON CONFLICT DO NOTHING, on both engines), and no row inserted is
// ErrConflict. On PostgreSQL the savepoint and its release were two round
// trips of every upload's transaction.
func (c *conn) insertNew(ctx context.Context, op, query string, args ...any) error {
	res, err := c.w.ExecContext(ctx, query+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return wrap(op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict), err)
	}
	return nil
}

// exec runs a write.
func (c *conn) exec(ctx context.Context, op, query string, args ...any) error {
	_, err := c.w.ExecContext(ctx, query, args...)
	return wrap(op, err)
}

// insertID runs an INSERT … RETURNING id.
func (c *conn) insertID(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	err := c.w.QueryRowContext(ctx, query, args...).Scan(&id)
	return id, wrap(op, err)
}

// execOne runs a write and fails with ErrNotFound when it touched no row.
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
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// placeholders returns "$first, $first+1, …" for n arguments, for an IN
// list (neither engine binds a slice to one placeholder the same way).
func placeholders(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(ps, ", ")
}
