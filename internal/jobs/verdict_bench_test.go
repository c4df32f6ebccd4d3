package jobs_test

import (
	"context"
	"io/fs"
	"net/http"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/simclient"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/media"
)

// streamed stores a session as streaming analysis leaves it just before
// the student finishes: n seconds of frames (one per second) and audio
// windows (two per second) already analysed, a few events, and returns the
// running client session.
func streamed(b *testing.B, srv *testserver.Server, f *testserver.Fixture, student int, n int) (*simclient.Session, time.Time) {
	b.Helper()
	ctx := context.Background()
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Add(-time.Duration(n+60) * time.Second).Truncate(time.Second)
	sess, err := c.Start(ctx, srv.Link(b, f, student), start)
	if err != nil {
		b.Fatal(err)
	}
	err = srv.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.SetSessionState(ctx, sess.ID, proctor.StateCreated, proctor.StateInProgress, start); err != nil {
			return err
		}
		for seq := range int64(n) {
			at := start.Add(time.Duration(seq) * time.Second)
			if err := tx.InsertFrame(ctx, &proctor.Frame{SessionID: sess.ID, Seq: seq, CapturedAt: at, BlobKey: "seeded", SHA256: "seeded", Width: 320, Height: 240}); err != nil {
				return err
			}
			sig := proctor.FrameSignal{SessionID: sess.ID, Seq: seq, CapturedAt: at, OK: true, Faces: 1, MeanLuma: 100, Motion: 0.01,
				PoseOK: true, GazeX: 0.01, Boxes: []proctor.FaceBox{{X: 100, Y: 60, W: 90, H: 110, Score: 0.9}}}
			if seq%600 < 8 { // an absence of 8 s every ten minutes
				sig.Faces, sig.Boxes, sig.PoseOK = 0, nil, false
			}
			if err := tx.SaveFrameSignals(ctx, []proctor.FrameSignal{sig}); err != nil {
				return err
			}
		}
		return seedAudio(ctx, tx, sess.ID, start, n)
	})
	if err != nil {
		b.Fatal(err)
	}
	return sess, start
}

func seedAudio(ctx context.Context, tx store.Tx, sid int64, start time.Time, n int) error {
	for seq := range int64(n / 5) {
		at := start.Add(time.Duration(seq) * 5 * time.Second)
		if err := tx.InsertAudio(ctx, &proctor.AudioChunk{SessionID: sid, Seq: seq, StartedAt: at, DurationMS: 5000, Format: "audio/basic", BlobKey: "seeded", SHA256: "seeded"}); err != nil {
			return err
		}
		sigs := make([]proctor.AudioSignal, 10)
		for i := range sigs {
			sigs[i] = proctor.AudioSignal{Start: at.Add(time.Duration(i) * 500 * time.Millisecond), DurMS: 500, Speech: 0.02, RMSdB: -50, MaxdB: -40, FloordB: -60}
		}
		if err := tx.SaveAudioSignals(ctx, sid, seq, sigs, ""); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkVerdictAfterLastUpload measures the time from a session's last
// upload (a real frame, through the API) and its finish to its verdict,
// for a 3-hour session whose earlier frames and audio were analysed as they
// streamed in, and, in the same run, for a 1-minute session as baseline.
func BenchmarkVerdictAfterLastUpload(b *testing.B) {
	srv := testserver.Start(b, testserver.Options{})
	f := srv.NewFixture(b, 64, nil)
	face, err := fs.ReadFile(media.FS, "webcam320/obama_blueroom_headshoulders.jpg")
	if err != nil {
		b.Fatal(err)
	}
	student := 0
	for _, length := range []struct {
		name string
		secs int
	}{{"3h", 3 * 3600}, {"1min-baseline", 60}} {
		b.Run(length.name, func(b *testing.B) {
			var worst time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sess, start := streamed(b, srv, f, student, length.secs)
				student++
				c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
				b.StartTimer()
				t0 := time.Now()
				last := int64(length.secs)
				if err := c.PutFrame(context.Background(), sess, last, start.Add(time.Duration(last)*time.Second), face); err != nil {
					b.Fatal(err)
				}
				if err := c.FinishAll(context.Background(), sess, last+1, 0, int64(length.secs/5)); err != nil {
					b.Fatal(err)
				}
				srv.WaitAnalysed(b, sess.ID)
				worst = max(worst, time.Since(t0))
			}
			b.ReportMetric(worst.Seconds(), "worst-s")
		})
	}
}
