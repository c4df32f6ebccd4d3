package metrics

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestUploadKind(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"PUT", "/api/v1/sessions/7/frames/0", "frame"},
		{"PUT", "/api/v1/sessions/7/audio/3", "audio"},
		{"PUT", "/api/v1/sessions/7/events/3", "events"},
		{"PUT", "/api/v1/sessions/7/chunks/webcam/1", "webcam"},
		{"PUT", "/api/v1/sessions/7/chunks/screen/1", "screen"},
		{"PUT", "/api/v1/sessions/7/chunks/other/1", ""},
		{"PUT", "/api/v1/sessions/7/photos/onboarding/face/1", "photo"},
		{"PUT", "/api/v1/sessions/7/sources/agent/events/1", ""},
		{"GET", "/api/v1/sessions/7/frames/0", ""},
		{"POST", "/api/v1/sessions", ""},
		{"PUT", "/media/sessions/7/frames/0", ""},
	} {
		if got := UploadKind(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestMeasureUpload: every accepted upload is counted with its size; one
// in 64 is measured on its thread, and the measurement holds the CPU
// the request burnt and the bytes it wrote.
func TestMeasureUpload(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("thread CPU and bytes written are measured on Linux only")
	}
	m := New()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const burn = time.Millisecond
	serve := func(status int) func() int {
		return func() int {
			if _, err := f.Write(make([]byte, 10000)); err != nil {
				t.Fatal(err)
			}
			for c0, _ := threadCPU(); ; {
				if c, _ := threadCPU(); c-c0 >= burn {
					break
				}
			}
			return status
		}
	}
	for range 2 * costEvery {
		m.MeasureUpload("frame", 1234, serve(200))
	}
	for range costEvery {
		m.MeasureUpload("frame", 1234, serve(409))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	text := rec.Body.String()
	series := map[string]float64{}
	for line := range strings.Lines(text) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok && !strings.HasPrefix(k, "#") {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				series[k] = f
			}
		}
	}
	if n := series[`vigil_ingest_accepted_total{kind="frame"}`]; n != 2*costEvery {
		t.Errorf("accepted %v, want %d (refusals are not counted)", n, 2*costEvery)
	}
	if n := series[`vigil_ingest_stored_bytes_total{kind="frame"}`]; n != 2*costEvery*1234 {
		t.Errorf("stored bytes %v, want %d", n, 2*costEvery*1234)
	}
	// Of 3×64 uploads, numbers 64, 128 and 192 are measured; the last was refused.
	if n := series[`vigil_ingest_cpu_seconds_count{kind="frame"}`]; n != 2 {
		t.Fatalf("%v uploads measured, want 2:\n%s", n, text)
	}
	if cpu := series[`vigil_ingest_cpu_seconds_sum{kind="frame"}`]; cpu < 2*burn.Seconds() || cpu > 2*(burn.Seconds()+0.05) {
		t.Errorf("measured CPU %v s for two uploads that burnt %v each", cpu, burn)
	}
	if w := series[`vigil_ingest_written_bytes_sum{kind="frame"}`]; w < 20000 || w > 21000 {
		t.Errorf("measured %v bytes written for two uploads that wrote 10,000 each", w)
	}
}
