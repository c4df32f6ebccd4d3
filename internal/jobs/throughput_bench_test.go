package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"vigil/internal/analysis/modeltest"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// throughputSessions is how many students' takes wait for the workers: more
// than two, so that two workers always have a session each.
const throughputSessions = 12

// BenchmarkAnalysisThroughput measures the analysis end to end as `vigil
// work` does it — River's queue, reading each frame from the media store,
// decoding, detecting, storing the signals and deciding the session — with
// one and with two workers: frames analysed per second of wall time and
// CPU per frame. Each student uploaded the same continuous 72-frame take
// (real frame-to-frame change, nothing looped) through the HTTP API and
// finished before the workers start; the clock stops when every session
// is decided.
func BenchmarkAnalysisThroughput(b *testing.B) {
	take := modeltest.ContinuousTake(b, "320")
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var wall time.Duration
			var cpu float64
			frames := 0
			for range b.N {
				b.StopTimer()
				srv := testserver.Start(b, testserver.Options{NoWorker: true, Workers: workers})
				ids := uploadTakes(b, srv, srv.NewFixture(b, throughputSessions, nil), take)
				cpu0 := processCPU(b)
				t0 := time.Now()
				b.StartTimer()
				srv.StartWorkers(b)
				for _, id := range ids {
					srv.WaitAnalysed(b, id)
				}
				b.StopTimer()
				wall += time.Since(t0)
				cpu += processCPU(b) - cpu0
				frames += len(ids) * len(take)
			}
			b.ReportMetric(float64(frames)/wall.Seconds(), "frames/s")
			b.ReportMetric(1000*cpu/float64(frames), "cpu-ms/frame")
			b.ReportMetric(float64(frames)/cpu, "frames/cpu-s")
		})
	}
}

// uploadTakes starts a session for each of the fixture's first
// throughputSessions students, uploads the take as its frames and finishes
// it; it returns the session IDs.
func uploadTakes(b *testing.B, srv *testserver.Server, f *testserver.Fixture, take [][]byte) []int64 {
	b.Helper()
	ctx := context.Background()
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Add(-time.Duration(len(take)+60) * time.Second).Truncate(time.Second)
	var ids []int64
	for i := range throughputSessions {
		sess, err := c.Start(ctx, srv.Link(b, f, i), start)
		if err != nil {
			b.Fatal(err)
		}
		for seq, jpeg := range take {
			if err := c.PutFrame(ctx, sess, int64(seq), start.Add(time.Duration(seq)*time.Second), jpeg); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.FinishAll(ctx, sess, int64(len(take)), 0, 0); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, sess.ID)
	}
	return ids
}

// processCPU is the CPU time (user and system) this process has used, in
// seconds.
func processCPU(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
