package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/live"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

type analyzeWorker struct {
	river.WorkerDefaults[jobargs.AnalyzeSession]
	deps Deps
}

// framesPerBatch is how many frames are analysed between commits: small
// enough that a crash loses little work, large enough to amortise commits.
const framesPerBatch = 32

// Work analyses pending frames and audio in batches, then, in one
// transaction, checks that nothing new arrived, decides the session if it is
// finished, and completes the job.
func (w *analyzeWorker) Work(ctx context.Context, job *river.Job[jobargs.AnalyzeSession]) error {
	// Locked to its thread, so that the thread's CPU clock measures this
	// run alone (ONNX Runtime runs the models on the calling thread).
	// Running it there below the uploads' CPU priority was tried and not
	// kept (docs/BENCHMARKS.md, "uploads beside the analysis").
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer w.deps.Metrics.AnalysisRun()()
	return w.work(ctx, job)
}

func (w *analyzeWorker) work(ctx context.Context, job *river.Job[jobargs.AnalyzeSession]) error {
	sid := job.Args.SessionID
	deadline := time.Now().Add(w.deps.runBudget())
	for time.Now().Before(deadline) {
		didPhotos, err := w.comparePhotos(ctx, sid)
		if err != nil {
			return err
		}
		did, err := w.analyzeFrames(ctx, sid)
		if err != nil {
			return err
		}
		didAudio, err := w.analyzeAudio(ctx, sid)
		if err != nil {
			return err
		}
		if didPhotos || did || didAudio {
			continue
		}
		done, err := w.finish(ctx, job)
		if done || err != nil {
			return err
		}
	}
	return river.JobSnooze(0) // more to do: continue in a fresh run
}

// analyzeFrames analyses the next batch of frames, in order, carrying the
// tracker from frame to frame and storing it with the signals.
func (w *analyzeWorker) analyzeFrames(ctx context.Context, sid int64) (bool, error) {
	frames, err := w.deps.Store.PendingFrames(ctx, sid, framesPerBatch)
	if err != nil || len(frames) == 0 {
		return false, err
	}
	state, err := w.deps.Store.AnalysisState(ctx, sid)
	if err != nil {
		return false, err
	}
	tr, err := analysis.DecodeTracker(state)
	if err != nil {
		w.deps.Log.Warn("analysis state unreadable; starting afresh", "session", sid, "err", err)
	}
	if err := w.setReference(ctx, tr, sid); err != nil {
		return false, err
	}
	prevFaces, hadPrev := len(tr.Faces), tr.HasPrev
	sigs := make([]proctor.FrameSignal, 0, len(frames))
	for i := range frames {
		sig, err := w.analyzeFrame(ctx, tr, &frames[i])
		if err != nil {
			return false, err
		}
		sigs = append(sigs, sig)
	}
	if state, err = tr.Encode(); err != nil {
		return false, err
	}
	err = w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SaveFrameSignals(ctx, sigs); err != nil {
			return err
		}
		return tx.SaveAnalysisState(ctx, sid, state)
	})
	if err == nil {
		w.deps.Metrics.FramesAnalysed(len(sigs))
		w.publishFlags(ctx, sid, live.FrameFlags(prevFaces, hadPrev, sigs))
	}
	return true, err
}

// publishFlags shows what the analysis found on the live view, once it is
// stored. The live view is a convenience: a failure here is logged, never
// the job's.
func (w *analyzeWorker) publishFlags(ctx context.Context, sid int64, flags []live.Flag) {
	if w.deps.Live == nil || len(flags) == 0 {
		return
	}
	sess, err := w.deps.Store.GetSession(ctx, sid)
	if err != nil {
		w.deps.Log.Warn("live flags not published", "session", sid, "err", err)
		return
	}
	for i := range flags {
		w.deps.Live.Publish(live.Event{ExamID: sess.ExamID, SessionID: sid, Kind: live.KindFlag, At: w.deps.Now(), Flag: &flags[i]})
	}
}

func (w *analyzeWorker) analyzeFrame(ctx context.Context, tr *analysis.Tracker, f *proctor.Frame) (proctor.FrameSignal, error) {
	data, err := readObject(blob.OpenPart(ctx, w.deps.Blobs, f.BlobKey, f.Offset, f.Size))
	if errors.Is(err, blob.ErrNotFound) {
		w.deps.Log.Error("frame missing from storage", "session", f.SessionID, "seq", f.Seq, "key", f.BlobKey)
		return proctor.FrameSignal{SessionID: f.SessionID, Seq: f.Seq, CapturedAt: f.CapturedAt, Motion: -1,
			Error: "the frame's image is missing from storage"}, nil
	}
	if err != nil {
		return proctor.FrameSignal{}, err
	}
	return w.deps.Frames.Analyze(ctx, tr, f, data)
}

// analyzeAudio analyses the next pending audio chunk.
func (w *analyzeWorker) analyzeAudio(ctx context.Context, sid int64) (bool, error) {
	chunks, err := w.deps.Store.PendingAudio(ctx, sid, 1)
	if err != nil || len(chunks) == 0 {
		return false, err
	}
	c := &chunks[0]
	data, err := readObject(blob.OpenPart(ctx, w.deps.Blobs, c.BlobKey, c.Offset, c.Size))
	var sigs []proctor.AudioSignal
	problem := ""
	switch {
	case errors.Is(err, blob.ErrNotFound):
		problem = "the audio is missing from storage"
		w.deps.Log.Error("audio missing from storage", "session", sid, "seq", c.Seq, "key", c.BlobKey)
	case err != nil:
		return false, err
	default:
		if sigs, err = w.deps.Audio.Analyze(ctx, c, data); err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			// Corrupt or impossible audio: kept as analysed with the
			// reason, so the session is still decided and the reviewer
			// sees what was skipped.
			problem = err.Error()
			w.deps.Log.Warn("audio chunk not analysable", "session", sid, "seq", c.Seq, "err", err)
		}
	}
	return true, w.deps.Store.SaveAudioSignals(ctx, sid, c.Seq, sigs, problem)
}

// maxFrameRead bounds a media read from storage (ingest limits are lower).
const maxFrameRead = 32 << 20

func readBlob(ctx context.Context, b blob.Bucket, key string) ([]byte, error) {
	return readObject(b.Open(ctx, key))
}

// readObject reads what an Open or OpenPart opened.
func readObject(o blob.Object, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(io.LimitReader(o, maxFrameRead))
}

var errMoreWork = errors.New("new uploads arrived")

// finish decides the session when it is finished and completes the job, all
// in one transaction; it reports false when new frames arrived meanwhile.
func (w *analyzeWorker) finish(ctx context.Context, job *river.Job[jobargs.AnalyzeSession]) (bool, error) {
	var finishedAt time.Time
	err := w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		if pending, err := countPending(ctx, tx, job.Args.SessionID, w.deps.Identity != nil); err != nil || pending > 0 {
			return cmp.Or(err, errMoreWork)
		}
		var err error
		if finishedAt, err = decideIfFinished(ctx, tx, job.Args.SessionID, w.deps.Now(), w.deps.BaseURL); err != nil {
			return err
		}
		if !finishedAt.IsZero() && w.deps.JoinVideo {
			if err := tx.Enqueue(ctx, jobargs.JoinVideo{SessionID: job.Args.SessionID}); err != nil {
				return err
			}
		}
		return tx.CompleteJob(ctx, job.JobRow)
	})
	if errors.Is(err, errMoreWork) {
		return false, nil
	}
	if err == nil && !finishedAt.IsZero() {
		w.deps.Metrics.ObserveAnalysisLag(w.deps.Now().Sub(finishedAt))
	}
	return err == nil, err
}

// countPending counts what is still to analyse; photos waiting for the
// identity comparison count only where this worker compares them.
func countPending(ctx context.Context, q store.Queries, sid int64, photos bool) (int64, error) {
	frames, err := q.CountPendingFrames(ctx, sid)
	if err != nil {
		return 0, err
	}
	audio, err := q.CountPendingAudio(ctx, sid)
	if err != nil || !photos {
		return frames + audio, err
	}
	scans, err := q.CountPendingIdentity(ctx, sid)
	return frames + audio + scans, err
}

// decideIfFinished runs the rules over a finished session's signals and
// stores violations, the automated and reviewed verdicts, and the state.
// It returns when the session finished, if it decided it.
func decideIfFinished(ctx context.Context, tx store.Tx, sid int64, now time.Time, vigilURL string) (time.Time, error) {
	s, err := tx.GetSession(ctx, sid)
	if err != nil {
		return time.Time{}, err
	}
	if s.State.AcceptsUploads() {
		return time.Time{}, nil // still recording: decide when it ends
	}
	if s.MediaPurged() {
		return time.Time{}, nil // its signals are gone: deciding now would clear its violations
	}
	return s.FinishedAt, Decide(ctx, tx, s, now, vigilURL)
}

// Decide (re-)decides a session from its stored signals, keeping
// instructors' decisions on violations that are found again. vigilURL is
// how students reach Vigil: its pages are the exam's own. A session whose
// media was purged has no signals left and is refused.
func Decide(ctx context.Context, tx store.Tx, s *proctor.Session, now time.Time, vigilURL string) error {
	if s.MediaPurged() {
		return proctor.E(proctor.CodeGone, "the media of session %d was deleted under the retention policy; its decisions stand", s.ID)
	}
	in, err := decisionInput(ctx, tx, s, vigilURL)
	if err != nil {
		return err
	}
	vs := analysis.Decide(in)
	if err := tx.ReplaceViolations(ctx, s.ID, vs); err != nil {
		return err
	}
	auto := analysis.Verdict(in.Settings.Policy, vs, s.Duration(), false)
	reviewed := analysis.Verdict(in.Settings.Policy, vs, s.Duration(), true)
	if err := tx.SetVerdict(ctx, s.ID, auto, reviewed, now); err != nil {
		return err
	}
	if err := tx.SetSessionState(ctx, s.ID, s.State, proctor.StateAnalyzed, now); err != nil {
		return fmt.Errorf("jobs: decide session %d: %w", s.ID, err)
	}
	return nil
}

// decisionInput gathers a session's signals and the settings it is decided
// with: the exam's, adjusted by the student's accommodation.
func decisionInput(ctx context.Context, q store.Queries, s *proctor.Session, vigilURL string) (analysis.Input, error) {
	exam, err := q.GetExam(ctx, s.ExamID)
	if err != nil {
		return analysis.Input{}, err
	}
	acc, err := q.GetAccommodation(ctx, s.ExamID, s.StudentID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return analysis.Input{}, err
	}
	in := analysis.Input{Settings: exam.Settings.Apply(acc), Start: s.ClientStartedAt, End: s.LastCaptureAt}
	quiz, err := store.QuizURL(ctx, q, exam)
	if err != nil {
		return in, err
	}
	if vigilURL != "" {
		in.ExamURLs = append(in.ExamURLs, strings.TrimRight(vigilURL, "/")+"/")
	}
	if quiz != "" {
		in.ExamURLs = append(in.ExamURLs, quiz)
	}
	if in.Frames, err = q.ListFrameSignals(ctx, s.ID); err != nil {
		return in, err
	}
	if in.Scans, err = q.ListPhotos(ctx, s.ID, proctor.PurposeVerification); err != nil {
		return in, err
	}
	if ref, err := referencePhoto(ctx, q, s.StudentID); err != nil {
		return in, err
	} else if ref != nil {
		in.Reference = ref.ID
	}
	if in.Audio, err = q.ListAudioSignals(ctx, s.ID); err != nil {
		return in, err
	}
	in.Events, err = q.ListEvents(ctx, s.ID)
	return in, err
}
