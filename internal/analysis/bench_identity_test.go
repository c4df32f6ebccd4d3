package analysis_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
)

// examSession is a 30-minute exam at one frame per second (1,800 frames):
// the student of the Proctoring-AI clips at the screen (the three takes
// one after another, over and over), leaving twice for the 31 s of the
// empty desk take (minutes 10 and 20), and one frame with a second person
// (minute 25). The identity check runs on about one frame a minute plus
// the two returns.
func examSession(tb testing.TB) [][]byte {
	tb.Helper()
	var takes [][]byte
	for _, clip := range []struct {
		dir string
		n   int
	}{{"eyes_center_10s", 10}, {"eyes_center5_left5_center5", 15}, {"eyes_center5_right5_center5", 15}} {
		for i := 1; i <= clip.n; i++ {
			takes = append(takes, media(tb, fmt.Sprintf("frames/%s/f%02d_320.jpg", clip.dir, i)))
		}
	}
	desk, err := filepath.Glob(filepath.Join(sharedMedia, "frames/desk_empty_dlib/frame_*.jpg"))
	if err != nil || len(desk) == 0 {
		tb.Fatalf("the shared media must be beside the repository: no desk frames (%v)", err)
	}
	var out [][]byte
	for len(out) < 1800 {
		switch len(out) {
		case 600, 1200:
			for _, f := range desk {
				rel, _ := filepath.Rel(sharedMedia, f)
				out = append(out, media(tb, rel))
			}
		case 1500:
			out = append(out, media(tb, "webcam320/two_people.jpg"))
		default:
			out = append(out, takes[len(out)%len(takes)])
		}
	}
	return out[:1800]
}

// playExam analyses the session once, as a job does, with a fresh tracker
// holding the reference, and returns the signals.
func playExam(tb testing.TB, a *analysis.Frames, ref analysis.Reference, frames [][]byte) []proctor.FrameSignal {
	tr := &analysis.Tracker{}
	tr.SetReference(ref)
	return runTracked(tb, a, tr, frames)
}

// BenchmarkIdentityCost measures what the webcam identity check adds to
// the analysis of a realistic exam (examSession). The checks' own CPU time
// is read from the thread's clock around each one (the goroutine is locked
// to its thread, and ONNX Runtime runs a one-thread session on the calling
// thread), so other processes on a shared machine do not blur it; it is
// divided by every frame analysed. The same frames also go through the
// analysis without the check, in turns, for the baseline of the ratio;
// the two runs' process CPU times are reported too, though on a loaded
// machine their difference is within their noise. Target: the check adds
// under 0.3 ms per analysed frame (docs/BENCHMARKS.md).
func BenchmarkIdentityCost(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m := identityModels(b)
	frames := examSession(b)
	with, without := m.Frames(), m.Frames()
	without.Identity = nil
	with.Stages = &analysis.Stages{CPU: threadCPUTime}
	ref := reference(b, with.Identity, "frames/eyes_center_10s/f03_640.jpg")
	var cpu [2]time.Duration
	var checks, mismatches, runs int
	for b.Loop() {
		for i, a := range []*analysis.Frames{with, without} {
			c0 := cpuTime()
			sigs := playExam(b, a, ref, frames)
			cpu[i] += cpuTime() - c0
			if i == 0 {
				for _, s := range sigs {
					if s.Identity != proctor.MatchNone {
						checks++
					}
					if s.Identity == proctor.MatchDifferent {
						mismatches++
					}
				}
			}
		}
		runs++
	}
	analysed := float64(runs * len(frames))
	s := with.Stages
	identity := float64(s.IdentityCPU) / 1e6 / analysed
	base := float64(cpu[1]) / 1e6 / analysed
	b.ReportMetric(identity, "identity-cpu-ms/frame")
	if s.Identified > 0 {
		b.ReportMetric(float64(s.IdentityCPU)/1e6/float64(s.Identified), "cpu-ms/check")
	}
	b.ReportMetric(base, "without-cpu-ms/frame")
	b.ReportMetric((base+identity)/base, "ratio")
	b.ReportMetric(float64(cpu[0])/1e6/analysed, "with-process-cpu-ms/frame")
	b.ReportMetric(float64(checks)/float64(runs), "checks/session")
	b.ReportMetric(float64(mismatches)/float64(runs), "mismatches/session")
	b.ReportMetric(float64(len(frames)), "frames/session")
}
