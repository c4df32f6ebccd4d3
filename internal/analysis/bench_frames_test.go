package analysis_test

import (
	"context"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/analysis/modeltest"
	"vigil/internal/analysis/voice"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
)

const sharedMedia = "../../../shared/media"

// models are one of each detector, on one core.
func models(tb testing.TB) *analysis.Models {
	tb.Helper()
	m := analysis.NewModels(1, analysis.ModelFiles{RuntimeLib: onnxrt.DefaultLibPath(), Voice: voice.DefaultModelPath()})
	if err := m.Check(); err != nil {
		tb.Fatal(err)
	}
	return m
}

// run analyses the whole session once and returns its signals.
func run(tb testing.TB, a *analysis.Frames, frames [][]byte) []proctor.FrameSignal {
	return runTracked(tb, a, &analysis.Tracker{}, frames)
}

// runTracked analyses the session once, one frame a second, as a job does
// with the session's tracker.
func runTracked(tb testing.TB, a *analysis.Frames, tr *analysis.Tracker, frames [][]byte) []proctor.FrameSignal {
	tb.Helper()
	t0 := time.Now()
	sigs := make([]proctor.FrameSignal, len(frames))
	for i, data := range frames {
		f := &proctor.Frame{SessionID: 1, Seq: int64(i), CapturedAt: t0.Add(time.Duration(i) * time.Second)}
		sig, err := a.Analyze(context.Background(), tr, f, data)
		if err != nil || !sig.OK {
			tb.Fatalf("frame %d: %v %s", i, err, sig.Error)
		}
		sigs[i] = sig
	}
	return sigs
}

// BenchmarkFrameAnalysis measures the average analysis cost per frame of a
// realistic session, at 320x240 and 640x480, for Vigil's pipeline and, in
// the same run, for the baseline that runs the full detectors on every
// frame (no reuse of an unchanged frame's detection). Metrics per frame:
// ms, allocations, and each stage's ms; frames-differing counts frames whose
// face count differs from the baseline's.
func BenchmarkFrameAnalysis(b *testing.B) {
	m := models(b)
	for _, size := range []string{"320", "640"} {
		frames := modeltest.ContinuousTake(b, size)
		base := m.Frames()
		base.FullEveryN = 1
		want := run(b, base, frames)
		for _, mode := range []struct {
			name  string
			every int
		}{{"vigil", 0}, {"baseline-full-every-frame", 1}} {
			b.Run(size+"/"+mode.name, func(b *testing.B) {
				a := m.Frames()
				a.FullEveryN = mode.every
				a.Stages = &analysis.Stages{}
				var sigs []proctor.FrameSignal
				b.ReportAllocs()
				for b.Loop() {
					sigs = run(b, a, frames)
				}
				report(b, a.Stages, len(frames), differing(sigs, want))
			})
		}
		b.Run(size+"/ratio", func(b *testing.B) { compare(b, m, frames) })
	}
}

// compare runs Vigil's pipeline and the baseline in turns on the same
// frames, so both meet the same load on a shared machine, and reports each
// one's wall and CPU time per frame and Vigil's ratio to the baseline.
func compare(b *testing.B, m *analysis.Models, frames [][]byte) {
	vigil, base := m.Frames(), m.Frames()
	base.FullEveryN = 1
	var wall, cpu [2]time.Duration
	runs := 0
	for b.Loop() {
		for i, a := range []*analysis.Frames{vigil, base} {
			t0, c0 := time.Now(), cpuTime()
			run(b, a, frames)
			wall[i] += time.Since(t0)
			cpu[i] += cpuTime() - c0
		}
		runs++
	}
	perFrame := func(d time.Duration) float64 { return float64(d) / 1e6 / float64(runs*len(frames)) }
	b.ReportMetric(perFrame(wall[0]), "vigil-ms/frame")
	b.ReportMetric(perFrame(wall[1]), "baseline-ms/frame")
	b.ReportMetric(perFrame(cpu[0]), "vigil-cpu-ms/frame")
	b.ReportMetric(perFrame(cpu[1]), "baseline-cpu-ms/frame")
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "wall-ratio")
	if cpu[1] > 0 {
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
	}
}

func differing(a, b []proctor.FrameSignal) int {
	n := 0
	for i := range a {
		if a[i].Faces != b[i].Faces {
			n++
		}
	}
	return n
}

func report(b *testing.B, s *analysis.Stages, perSession, diff int) {
	frames := float64(s.Frames)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 / frames }
	b.ReportMetric(float64(b.Elapsed())/1e6/frames, "ms/frame")
	b.ReportMetric(ms(s.Decode), "decode-ms/frame")
	b.ReportMetric(ms(s.Thumb), "thumb-ms/frame")
	b.ReportMetric(ms(s.Detect), "detect-ms/frame")
	b.ReportMetric(ms(s.Second), "second-opinion-ms/frame")
	b.ReportMetric(ms(s.Refine), "landmarks+gaze-ms/frame")
	b.ReportMetric(float64(s.Reused)/frames, "reused-share")
	b.ReportMetric(float64(diff), "frames-differing")
	b.ReportMetric(float64(perSession), "frames/session")
}
