package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"vigil/internal/analysis/modeltest"
	"vigil/internal/metrics"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestAnalysisCostIsMeasured: the metrics count every analysed frame and
// the CPU the analysis runs took, the figures an operator sizes `vigil
// work` by (frames per CPU-second).
func TestAnalysisCostIsMeasured(t *testing.T) {
	m := metrics.New()
	srv := testserver.Start(t, testserver.Options{Metrics: m})
	f := srv.NewFixture(t, 1, nil)
	take := modeltest.ContinuousTake(t, "320")[:12]
	ctx := context.Background()
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	sess, err := c.Start(ctx, srv.Link(t, f, 0), start)
	if err != nil {
		t.Fatal(err)
	}
	for seq, jpeg := range take {
		if err := c.PutFrame(ctx, sess, int64(seq), start.Add(time.Duration(seq)*time.Second), jpeg); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.FinishAll(ctx, sess, int64(len(take)), 0, 0); err != nil {
		t.Fatal(err)
	}
	srv.WaitAnalysed(t, sess.ID)
	got := readMetrics(t, m)
	if n := got["vigil_analysis_frames_total"]; n != float64(len(take)) {
		t.Errorf("vigil_analysis_frames_total %v, want %d", n, len(take))
	}
	// Twelve frames through the face models take milliseconds of CPU at
	// the least; a clock read on the wrong thread would give about none.
	if cpu := got["vigil_analysis_cpu_seconds_total"]; cpu < 0.005 || cpu > 60 {
		t.Errorf("vigil_analysis_cpu_seconds_total %v s for %d frames", cpu, len(take))
	}
}

func readMetrics(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	out, err := metrics.ParseText(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
