package sqlstore_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testwait"
)

type completeArgs struct{}

func (completeArgs) Kind() string { return "sqlstore_test_complete" }

// completeWorker does what the analysis worker does: it writes, then
// completes its own job, in one transaction.
type completeWorker struct {
	river.WorkerDefaults[completeArgs]
	st *sqlstore.Store
}

func (w *completeWorker) Work(ctx context.Context, job *river.Job[completeArgs]) error {
	return w.st.InTx(ctx, func(tx store.Tx) error {
		if err := tx.AppendAudit(ctx, &proctor.AuditEntry{Action: "worked"}); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
}

// River works jobs through the store's driver, and a worker completes its
// job inside a store transaction.
func TestWorkerCompletesJobInTransaction(t *testing.T) {
	st, raw := migrated(t)
	workers := river.NewWorkers()
	river.AddWorker(workers, &completeWorker{st: st})
	client, err := river.NewClient(st.RiverDriver(), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	must(t, err)
	must(t, client.Start(t.Context()))
	defer client.Stop(context.Background())
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), completeArgs{}) }))

	testwait.For(t, "the job to complete (its state)", 15*time.Second, func() (string, bool) {
		var state string
		err := raw.QueryRowContext(t.Context(), `SELECT state FROM river_job WHERE kind = 'sqlstore_test_complete'`).Scan(&state)
		must(t, err)
		return state, state == "completed"
	})
	entries, err := st.ListAudit(t.Context(), store.AuditFilter{Action: "worked"})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit entries from the worker: %+v, %v", entries, err)
	}
}

func TestRequeueRunningJobs(t *testing.T) {
	st, raw := migrated(t)
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), testJob{N: 1}) }))
	_, err := raw.ExecContext(t.Context(), `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now()`)
	must(t, err)
	n, err := st.RequeueRunningJobs(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("RequeueRunningJobs = %d, %v", n, err)
	}
	var state string
	must(t, raw.QueryRowContext(t.Context(), `SELECT state FROM river_job`).Scan(&state))
	if state != "available" {
		t.Fatalf("state %s, want available", state)
	}
}

// analyzeArgs is unique per session while it waits or runs, like the
// analysis job.
type analyzeArgs struct {
	SessionID int64 `json:"session_id"`
}

func (analyzeArgs) Kind() string { return "sqlstore_test_analyze" }

func (analyzeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

var errMoreWork = errors.New("more work")

// analyzeWorker finishes as the analysis worker does: in one transaction
// it checks that no frame is pending and completes its job. The first run
// pauses between the two until the test has committed an upload.
type analyzeWorker struct {
	river.WorkerDefaults[analyzeArgs]
	st       *sqlstore.Store
	counted  chan struct{} // closed after the first check
	uploaded chan struct{} // closed by the test after the upload
	seen     []int64       // pending frames, per run of the transaction
}

func (w *analyzeWorker) Work(ctx context.Context, job *river.Job[analyzeArgs]) error {
	err := w.st.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.CountPendingFrames(ctx, job.Args.SessionID)
		if err != nil {
			return err
		}
		w.seen = append(w.seen, n)
		if len(w.seen) == 1 {
			close(w.counted)
			<-w.uploaded
		}
		if n > 0 {
			return errMoreWork
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
	if errors.Is(err, errMoreWork) {
		return nil
	}
	return err
}

// An upload that commits between the worker's check and its completion
// must not be lost: its enqueue found the running job (unique), so only
// the worker can still see the frame. SERIALIZABLE makes the worker's
// transaction fail and run again, and the second run sees it.
func TestUploadBetweenCheckAndCompletionIsSeen(t *testing.T) {
	st, _ := migrated(t)
	s := newSession(t, st)
	w := &analyzeWorker{st: st, counted: make(chan struct{}), uploaded: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(st.RiverDriver(), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	must(t, err)
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), analyzeArgs{SessionID: s.ID}) }))
	must(t, client.Start(t.Context()))
	defer client.Stop(context.Background())

	select {
	case <-w.counted:
	case <-time.After(15 * time.Second):
		t.Fatal("the job was not worked")
	}
	must(t, st.InTx(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertFrame(t.Context(), &proctor.Frame{SessionID: s.ID, Seq: 0, BlobKey: "k", SHA256: "h"}); err != nil {
			return err
		}
		return tx.Enqueue(t.Context(), analyzeArgs{SessionID: s.ID})
	}))
	close(w.uploaded)
	must(t, client.Stop(t.Context()))
	if len(w.seen) != 2 || w.seen[0] != 0 || w.seen[1] != 1 {
		t.Fatalf("pending frames seen by the worker's runs: %v, want [0 1]", w.seen)
	}
}

// countingWorker records the frames pending at each run and completes its
// job, as the analysis worker's last transaction does.
type countingWorker struct {
	river.WorkerDefaults[analyzeArgs]
	st   *sqlstore.Store
	seen chan int64
}

func (w *countingWorker) Work(ctx context.Context, job *river.Job[analyzeArgs]) error {
	var n int64
	err := w.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if n, err = tx.CountPendingFrames(ctx, job.Args.SessionID); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
	if err == nil {
		w.seen <- n
	}
	return err
}

// An upload whose enqueue found the session's job still waiting skips
// River's insert; the job must then not run before the upload commits, or
// it would complete without the frame. The upload's transaction is held
// open while River fetches: River must pass the waiting job by (it was
// enqueued first, so it is fetched first unless it is locked) and work a
// marker job enqueued after it; once the upload commits, the job runs and
// sees the frame.
func TestWaitingJobIsNotWorkedBeforeTheUploadThatFoundIt(t *testing.T) {
	st, _ := migrated(t)
	s := newSession(t, st)
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), analyzeArgs{SessionID: s.ID}) }))

	locked, release, uploaded := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var releaseOnce sync.Once
	releaseUpload := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseUpload() // a failing test must not leave the transaction open
	go func() {
		uploaded <- st.InTx(context.Background(), func(tx store.Tx) error {
			if err := tx.Enqueue(context.Background(), analyzeArgs{SessionID: s.ID}); err != nil {
				return err
			}
			if err := tx.InsertFrame(context.Background(), &proctor.Frame{SessionID: s.ID, Seq: 0, BlobKey: "k", SHA256: "h"}); err != nil {
				return err
			}
			select {
			case <-locked: // a retry of this transaction
			default:
				close(locked)
			}
			<-release
			return nil
		})
	}()
	<-locked
	must(t, st.InTx(t.Context(), func(tx store.Tx) error { return tx.Enqueue(t.Context(), completeArgs{}) }))

	w := &countingWorker{st: st, seen: make(chan int64, 4)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	river.AddWorker(workers, &completeWorker{st: st})
	client, err := river.NewClient(st.RiverDriver(), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	must(t, err)
	must(t, client.Start(t.Context()))
	defer client.Stop(context.Background())
	testwait.For(t, "the marker job enqueued after the waiting one to be worked", 15*time.Second, func() (int, bool) {
		entries, err := st.ListAudit(t.Context(), store.AuditFilter{Action: "worked"})
		must(t, err)
		return len(entries), len(entries) == 1
	})
	select {
	case n := <-w.seen:
		t.Fatalf("the session's job ran while the upload that found it waiting was not committed (it saw %d pending)", n)
	default:
	}
	releaseUpload()
	must(t, <-uploaded)
	select {
	case n := <-w.seen:
		if n != 1 {
			t.Fatalf("the session's job saw %d pending frames, want 1", n)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the session's job was not worked after the upload")
	}
}
