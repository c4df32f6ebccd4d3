package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// analyzeJob is unique per session while one waits or runs, as
// jobargs.AnalyzeSession (which this package may not import).
type analyzeJob struct {
	SessionID int64 `json:"session_id"`
}

func (analyzeJob) Kind() string { return "bench_analyze_session" }

func (analyzeJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning}}}
}

// BenchmarkUploadTx stores frames as the ingest API does — per upload one
// transaction that checks the frame is new, inserts it, touches the
// session's recording times and enqueues the session's analysis — from 64
// uploads at once over 200 sessions, on a real SQLite file (synchronous
// FULL). "baseline" is the store as it was before: each transaction
// commits alone, statements are prepared anew every time, and River's
// unique insert runs for every upload; "group" commits transactions in
// groups, "group+stmts" also keeps statements prepared, and "vigil" also
// skips the insert River would skip. All run in the same process one
// after the other; compare their ns/op.
//
//	go test -run '^$' -bench UploadTx -benchtime 3000x -count 3 ./internal/store/sqlstore/
func BenchmarkUploadTx(b *testing.B) {
	for _, v := range []struct {
		name                  string
		group, stmts, skipJob bool
	}{{"baseline", false, false, false}, {"group", true, false, false}, {"group+stmts", true, true, false}, {"vigil", true, true, true}} {
		b.Run(v.name, func(b *testing.B) {
			st, err := OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "vigil.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			if !v.group {
				st.group.close()
				st.group = nil
			}
			if !v.stmts {
				st.conn = &conn{r: st.reader, w: st.writer, s: st}
				st.readStmts.close()
				st.writeStmts.close()
				st.readStmts, st.writeStmts = nil, nil
			}
			st.known.off = !v.skipJob
			const sessions = 200
			ids := make([]int64, sessions)
			first := newSession(b, st)
			ids[0] = first.ID
			for i := 1; i < sessions; i++ {
				s := &proctor.Session{ExamID: first.ExamID, StudentID: first.StudentID, Attempt: i + 1, CreatedAt: time.Now(), ClientStartedAt: time.Now()}
				if err := st.CreateSession(b.Context(), s); err != nil {
					b.Fatal(err)
				}
				ids[i] = s.ID
			}
			seqs := make([]atomic.Int64, sessions)
			var next atomic.Int64
			b.SetParallelism(32) // 64 uploads at once on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1) % sessions
					sid, seq := ids[i], seqs[i].Add(1)-1
					if err := uploadTx(b.Context(), st, sid, seq); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// uploadTx is ingest.PutFrame's transaction, without the media.
func uploadTx(ctx context.Context, st *Store, sid, seq int64) error {
	return st.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.GetFrame(ctx, sid, seq); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("frame %d/%d: %v", sid, seq, err)
		}
		if _, err := tx.NextFrameSeq(ctx, sid); err != nil {
			return err
		}
		at := time.Now()
		f := &proctor.Frame{SessionID: sid, Seq: seq, CapturedAt: at, SHA256: "h", Size: 7000, Width: 320, Height: 240,
			BlobKey: fmt.Sprintf("sessions/%d/frames/%08d.jpg", sid, seq), ReceivedAt: at}
		if err := tx.InsertFrame(ctx, f); err != nil {
			return err
		}
		if err := tx.TouchRecording(ctx, sid, at, at); err != nil {
			return err
		}
		return tx.Enqueue(ctx, analyzeJob{SessionID: sid})
	})
}
