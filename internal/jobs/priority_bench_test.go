package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"vigil/internal/analysis/modeltest"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// Uploads beside a busy analysis: how the uploads' latency fares while the
// analysis, in the same process as on the embedded default, works through
// a backlog. uploadingStudents each send a frame every uploadEvery for
// uploadFor, on their own schedule (open loop: a late answer does not
// delay the next frame's due time, and the latency counts from it).
const (
	uploadingStudents = 40
	uploadEvery       = 250 * time.Millisecond
	uploadFor         = 8 * time.Second
)

// BenchmarkUploadsBesideAnalysis compares the upload latency with the
// analysis at the uploads' CPU priority ("same") and below it ("below",
// what `vigil serve` does on the embedded default). Every iteration runs
// both, in alternating order, each on a fresh server, so that both meet
// the same machine; -benchtime 5x gives five pairs. The backlog is
// throughputSessions finished sessions of the continuous take, more than
// the analysis clears during the uploads.
func BenchmarkUploadsBesideAnalysis(b *testing.B) {
	take := modeltest.ContinuousTake(b, "320")
	lat := map[bool][]time.Duration{}
	for i := range b.N {
		for _, below := range []bool{i%2 == 1, i%2 == 0} {
			b.StopTimer()
			srv := testserver.Start(b, testserver.Options{NoWorker: true, BelowUploads: below})
			f := srv.NewFixture(b, throughputSessions+uploadingStudents, nil)
			uploadTakes(b, srv, f, take)
			srv.StartWorkers(b)
			b.StartTimer()
			lat[below] = append(lat[below], uploadOnSchedule(b, srv, f, take)...)
		}
	}
	b.StopTimer()
	q := func(below bool, p float64) float64 {
		l := lat[below]
		slices.Sort(l)
		return l[int(p*float64(len(l)-1))].Seconds() * 1000
	}
	b.ReportMetric(q(false, 0.50), "same-p50-ms")
	b.ReportMetric(q(false, 0.99), "same-p99-ms")
	b.ReportMetric(q(true, 0.50), "below-p50-ms")
	b.ReportMetric(q(true, 0.99), "below-p99-ms")
	b.ReportMetric(q(true, 0.99)/q(false, 0.99), "p99-ratio")
}

// uploadOnSchedule runs the uploading students and returns every frame's
// latency from its due time to its acknowledgement.
func uploadOnSchedule(b *testing.B, srv *testserver.Server, f *testserver.Fixture, take [][]byte) []time.Duration {
	ctx := context.Background()
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Truncate(time.Second)
	sessions := make([]*simclient.Session, uploadingStudents)
	for i := range sessions {
		var err error
		if sessions[i], err = c.Start(ctx, srv.Link(b, f, throughputSessions+i), start); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for i, sess := range sessions {
		phase := time.Duration(i) * uploadEvery / uploadingStudents
		wg.Go(func() {
			for seq := int64(0); ; seq++ {
				due := t0.Add(phase + time.Duration(seq)*uploadEvery)
				if due.Sub(t0) >= uploadFor {
					return
				}
				time.Sleep(time.Until(due)) // the schedule itself, not a wait for a condition
				at := start.Add(time.Duration(seq) * time.Second)
				if err := c.PutFrame(ctx, sess, seq, at, take[int(seq)%len(take)]); err != nil {
					b.Error(fmt.Errorf("student %d frame %d: %w", i, seq, err))
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(due))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat
}
