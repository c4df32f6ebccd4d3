package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"

	"vigil/internal/store"
)

// tx is a write transaction (store.Tx).
type tx struct{ *conn }

var _ store.Tx = (*tx)(nil)

// Enqueue inserts a River job inside the transaction.
func (t *tx) Enqueue(ctx context.Context, job store.JobArgs) error {
	if _, err := t.s.inserter.InsertTx(ctx, t.conn.tx, job, nil); err != nil {
		return fmt.Errorf("sqlstore: enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// rowArgs lets a bare job row pass through River's typed API.
type rowArgs struct{ kind string }

func (a rowArgs) Kind() string { return a.kind }

// CompleteJob marks a running job complete inside the transaction. It must
// be called from a River worker (River finds its client in ctx).
func (t *tx) CompleteJob(ctx context.Context, job *rivertype.JobRow) error {
	if err := t.s.d.completeJob(ctx, t.conn.tx, job); err != nil {
		return fmt.Errorf("sqlstore: complete job %d: %w", job.ID, err)
	}
	return nil
}

// maxTxAttempts bounds the runs of one transaction that keeps meeting
// serialization failures or deadlocks (PostgreSQL); after that the error
// is returned. Under a burst (hundreds of sessions finishing at once)
// PostgreSQL's predicate locks abort many transactions that did not really
// conflict, so the budget is generous; the waits (maxBackOff at most) keep
// it bounded.
const (
	maxTxAttempts = 20
	maxBackOff    = 100 * time.Millisecond
)

// InTx runs fn in one write transaction (see the dialects for its
// isolation), again when the dialect says the failure calls for it.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, true, func(c *conn) error { return fn(&tx{c}) })
}

// atomic runs fn in a transaction: the caller's, when c is one already,
// or else one of its own (READ COMMITTED on PostgreSQL).
func (c *conn) atomic(ctx context.Context, fn func(*conn) error) error {
	if c.tx != nil {
		return fn(c)
	}
	return c.s.run(ctx, false, fn)
}

func (s *Store) run(ctx context.Context, inTx bool, fn func(*conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runOnce(ctx, inTx, fn)
		if !s.d.mustRetry(err) || attempt == maxTxAttempts {
			return full(err)
		}
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *Store) runOnce(ctx context.Context, inTx bool, fn func(*conn) error) error {
	sqlTx, err := s.writer.BeginTx(ctx, s.d.txOptions(inTx))
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	if err := fn(&conn{r: sqlTx, w: sqlTx, tx: sqlTx, s: s}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
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
// there, inside one, the write runs under a savepoint, rolled back if it
// fails.
func (c *conn) keyed(ctx context.Context, write func() error) error {
	if c.tx == nil || !c.s.d.abortsTxOnError() {
		return write()
	}
	if _, err := c.tx.ExecContext(ctx, `SAVEPOINT vigil_keyed`); err != nil {
		return fmt.Errorf("sqlstore: savepoint: %w", err)
	}
	if err := write(); err != nil {
		// Without arguments pgx sends both statements in one round trip.
		if _, rbErr := c.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT vigil_keyed; RELEASE SAVEPOINT vigil_keyed`); rbErr != nil {
			return errors.Join(err, fmt.Errorf("sqlstore: roll back to savepoint: %w", rbErr))
		}
		return err
	}
	if _, err := c.tx.ExecContext(ctx, `RELEASE SAVEPOINT vigil_keyed`); err != nil {
		return fmt.Errorf("sqlstore: release savepoint: %w", err)
	}
	return nil
}
