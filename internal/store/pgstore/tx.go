package pgstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"vigil/internal/store"
)

// How transactions behave here, and why.
//
// SQLite has one writer, so callers of InTx may read, decide and write as
// if alone: the analysis worker checks that no frame is pending and then
// completes its job, counting on an upload either being seen or enqueuing
// a new job. On PostgreSQL writers run side by side, so InTx runs at
// SERIALIZABLE: PostgreSQL then aborts one of two transactions whose
// interleaving no one-at-a-time order could produce (SQLSTATE 40001), and
// InTx runs fn again on a fresh snapshot. fn must therefore be safe to run
// more than once: whatever it sets outside the store, it sets afresh.
//
// The store's own multi-statement methods, called outside a transaction,
// run in one at READ COMMITTED and take row locks where they read before
// they write (CreateSession's attempt number, ReplaceViolations' kept
// decisions, …): waiting on a lock is cheaper than failing and retrying,
// and each statement then sees what the lock holder committed.

// maxTxAttempts bounds the runs of one transaction that keeps meeting
// serialization failures or deadlocks; after that the error is returned.
// Under a burst (hundreds of sessions finishing at once) PostgreSQL's
// predicate locks abort many transactions that did not really conflict,
// so the budget is generous; the waits (maxBackOff at most) keep it bounded.
const (
	maxTxAttempts = 20
	maxBackOff    = 100 * time.Millisecond
)

// InTx runs fn in one SERIALIZABLE transaction, again when PostgreSQL
// reports a serialization failure or a deadlock.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, sql.LevelSerializable, func(c *conn) error { return fn(&tx{c}) })
}

// atomic runs fn in a transaction: the caller's, when c is one already,
// or else a READ COMMITTED one of its own.
func (c *conn) atomic(ctx context.Context, fn func(*conn) error) error {
	if c.tx != nil {
		return fn(c)
	}
	return c.s.run(ctx, sql.LevelReadCommitted, fn)
}

func (s *Store) run(ctx context.Context, level sql.IsolationLevel, fn func(*conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runOnce(ctx, level, fn)
		if code := pgCode(err); (code != codeSerializationFailure && code != codeDeadlockDetected) || attempt == maxTxAttempts {
			return err
		}
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *Store) runOnce(ctx context.Context, level sql.IsolationLevel, fn func(*conn) error) error {
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: level})
	if err != nil {
		return fmt.Errorf("pgstore: begin: %w", err)
	}
	if err := fn(&conn{q: sqlTx, tx: sqlTx, s: s}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	return nil
}

// backOff waits a random while, up to 2 ms after the first failed attempt
// and twice as long after each next one, so transactions that collided do
// not collide again in step.
func backOff(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(min(time.Millisecond<<min(attempt, 20), maxBackOff)))))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyed runs a write that may collide with a unique key (ErrConflict).
// SQLite undoes only the failed statement and callers rely on that: they
// try a course code, meet ErrConflict, and try another in the same
// transaction. PostgreSQL aborts the whole transaction on any error, so
// inside one the write runs under a savepoint, rolled back if it fails.
func (c *conn) keyed(ctx context.Context, write func() error) error {
	if c.tx == nil {
		return write()
	}
	if _, err := c.tx.ExecContext(ctx, `SAVEPOINT vigil_keyed`); err != nil {
		return fmt.Errorf("pgstore: savepoint: %w", err)
	}
	if err := write(); err != nil {
		// Without arguments pgx sends both statements in one round trip.
		if _, rbErr := c.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT vigil_keyed; RELEASE SAVEPOINT vigil_keyed`); rbErr != nil {
			return errors.Join(err, fmt.Errorf("pgstore: roll back to savepoint: %w", rbErr))
		}
		return err
	}
	if _, err := c.tx.ExecContext(ctx, `RELEASE SAVEPOINT vigil_keyed`); err != nil {
		return fmt.Errorf("pgstore: release savepoint: %w", err)
	}
	return nil
}
