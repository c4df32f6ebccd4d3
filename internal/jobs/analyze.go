package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

type analyzeWorker struct {
	river.WorkerDefaults[AnalyzeSession]
	deps Deps
}

// framesPerBatch is how many frames are analysed between commits: small
// enough that a crash loses little work, large enough to amortise commits.
const framesPerBatch = 32

// Work analyses pending frames in batches, then, in one transaction, checks
// that nothing new arrived, decides the session if it is finished, and
// completes the job.
func (w *analyzeWorker) Work(ctx context.Context, job *river.Job[AnalyzeSession]) error {
	sid := job.Args.SessionID
	deadline := time.Now().Add(runBudget)
	for time.Now().Before(deadline) {
		frames, err := w.deps.Store.PendingFrames(ctx, sid, framesPerBatch)
		if err != nil {
			return err
		}
		if len(frames) > 0 {
			if err := w.analyzeFrames(ctx, frames); err != nil {
				return err
			}
			continue
		}
		done, err := w.finish(ctx, job)
		if done || err != nil {
			return err
		}
	}
	return river.JobSnooze(0) // more to do: continue in a fresh run
}

func (w *analyzeWorker) analyzeFrames(ctx context.Context, frames []proctor.Frame) error {
	sigs := make([]proctor.FrameSignal, 0, len(frames))
	for i := range frames {
		sig, err := w.analyzeFrame(ctx, &frames[i])
		if err != nil {
			return err
		}
		sigs = append(sigs, sig)
	}
	return w.deps.Store.SaveFrameSignals(ctx, sigs)
}

func (w *analyzeWorker) analyzeFrame(ctx context.Context, f *proctor.Frame) (proctor.FrameSignal, error) {
	data, err := readBlob(ctx, w.deps.Blobs, f.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		w.deps.Log.Error("frame missing from storage", "session", f.SessionID, "seq", f.Seq, "key", f.BlobKey)
		return proctor.FrameSignal{SessionID: f.SessionID, Seq: f.Seq, CapturedAt: f.CapturedAt,
			Error: "the frame's image is missing from storage"}, nil
	}
	if err != nil {
		return proctor.FrameSignal{}, err
	}
	return analysis.AnalyzeFrame(ctx, w.deps.Faces, f, data)
}

// maxFrameRead bounds a frame read from storage (ingest limits are lower).
const maxFrameRead = 16 << 20

func readBlob(ctx context.Context, b blob.Bucket, key string) ([]byte, error) {
	o, err := b.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(io.LimitReader(o, maxFrameRead))
}

var errMoreWork = errors.New("new uploads arrived")

// finish decides the session when it is finished and completes the job, all
// in one transaction; it reports false when new frames arrived meanwhile.
func (w *analyzeWorker) finish(ctx context.Context, job *river.Job[AnalyzeSession]) (bool, error) {
	err := w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.CountPendingFrames(ctx, job.Args.SessionID)
		if err != nil {
			return err
		}
		if n > 0 {
			return errMoreWork
		}
		if err := decideIfFinished(ctx, tx, job.Args.SessionID, w.deps.Now()); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
	if errors.Is(err, errMoreWork) {
		return false, nil
	}
	return err == nil, err
}

// decideIfFinished runs the rules over a finished session's signals and
// stores violations, the automated and reviewed verdicts, and the state.
func decideIfFinished(ctx context.Context, tx store.Tx, sid int64, now time.Time) error {
	s, err := tx.GetSession(ctx, sid)
	if err != nil {
		return err
	}
	if s.State.AcceptsUploads() {
		return nil // still recording: decide when it ends
	}
	return Decide(ctx, tx, s, now)
}

// Decide (re-)decides a session from its stored signals, keeping
// instructors' decisions on violations that are found again.
func Decide(ctx context.Context, tx store.Tx, s *proctor.Session, now time.Time) error {
	exam, err := tx.GetExam(ctx, s.ExamID)
	if err != nil {
		return err
	}
	sigs, err := tx.ListFrameSignals(ctx, s.ID)
	if err != nil {
		return err
	}
	events, err := tx.ListEvents(ctx, s.ID)
	if err != nil {
		return err
	}
	vs := analysis.Decide(analysis.Input{Settings: exam.Settings, Start: s.ClientStartedAt, End: s.LastCaptureAt, Frames: sigs, Events: events})
	if err := tx.ReplaceViolations(ctx, s.ID, vs); err != nil {
		return err
	}
	auto := analysis.Verdict(exam.Settings.Policy, vs, false)
	reviewed := analysis.Verdict(exam.Settings.Policy, vs, true)
	if err := tx.SetVerdict(ctx, s.ID, auto, reviewed, now); err != nil {
		return err
	}
	if err := tx.SetSessionState(ctx, s.ID, s.State, proctor.StateAnalyzed, now); err != nil {
		return fmt.Errorf("jobs: decide session %d: %w", s.ID, err)
	}
	return nil
}
