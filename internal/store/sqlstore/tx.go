package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/store"
)

// tx is a write transaction (store.Tx).
type tx struct{ *conn }

var _ store.Tx = (*tx)(nil)

// Enqueue inserts a River job inside the transaction.
//
// A unique job (jobargs.AnalyzeSession: one per session while one waits or
// runs) is enqueued with every upload, and River's unique insert is the
// most expensive statement of an upload. So the job River would find is
// looked up first, by the ID this process last inserted or was given for
// the same arguments: when it is still in one of the unique states, River
// would skip the insert, so it is skipped here without asking River. A
// forgotten or stale ID only costs River's insert.
//
// The read must stay true until the commit, or a worker could complete
// the job without seeing this transaction's upload. On SQLite writers take
// turns, so it does. On PostgreSQL the row is read FOR SHARE in InTx's
// SERIALIZABLE transaction: a job waiting then cannot be fetched (River
// skips locked rows) until the upload is committed and visible; a job
// changed since the snapshot fails the read (a serialization failure, run
// again); and a running job's worker, whose last check for new uploads
// and completion share one SERIALIZABLE transaction, conflicts with this
// one, so one of the two runs again and sees the other.
func (t *tx) Enqueue(ctx context.Context, job store.JobArgs) error {
	key, states := t.s.known.key(job)
	if key != "" {
		if id, ok := t.s.known.get(key); ok {
			var state string
			err := t.w.QueryRowContext(ctx, `SELECT state FROM river_job WHERE id = $1`+t.rowLock("SHARE"), id).Scan(&state)
			if err == nil && slices.Contains(states, rivertype.JobState(state)) {
				return nil
			}
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return wrap("enqueue "+job.Kind(), err)
			}
		}
	}
	res, err := t.s.inserter.InsertTx(ctx, t.conn.tx, job, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: enqueue %s: %w", job.Kind(), err)
	}
	if key != "" && res.Job != nil {
		t.s.known.put(key, res.Job.ID)
	}
	return nil
}

// knownJobs remembers, per unique job (kind and arguments), the ID of the
// job River last inserted or found for it.
type knownJobs struct {
	mu  sync.Mutex
	ids map[string]int64
	off bool // always ask River (the benchmarks' baseline)
}

// maxKnownJobs bounds the memory: past it everything is forgotten (at
// worst each job pays River's insert once more).
const maxKnownJobs = 100_000

// key is a unique job's key and its unique states; "" when the job is not
// unique by its arguments and states.
func (k *knownJobs) key(job store.JobArgs) (string, []rivertype.JobState) {
	withOpts, ok := job.(river.JobArgsWithInsertOpts)
	if !ok || k.off {
		return "", nil
	}
	u := withOpts.InsertOpts().UniqueOpts
	if !u.ByArgs || len(u.ByState) == 0 || u.ByPeriod != 0 || u.ByQueue {
		return "", nil
	}
	args, err := json.Marshal(job)
	if err != nil {
		return "", nil
	}
	return job.Kind() + " " + string(args), u.ByState
}

func (k *knownJobs) get(key string) (int64, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	id, ok := k.ids[key]
	return id, ok
}

func (k *knownJobs) put(key string, id int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids == nil || len(k.ids) >= maxKnownJobs {
		k.ids = map[string]int64{}
	}
	k.ids[key] = id
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
	if s.group != nil {
		return s.group.run(ctx, func(c *conn) error { return fn(&tx{c}) })
	}
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
