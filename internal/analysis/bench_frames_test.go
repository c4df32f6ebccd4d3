package analysis_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/analysis/voice"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
)

const sharedMedia = "../../../shared/media"

// session is a realistic stretch of an exam at one frame per second: a
// student mostly still and reading (a real webcam take, with its small
// movements and sensor noise), glancing aside twice, away from the desk for
// half a minute, once joined by someone, then back.
func session(tb testing.TB, size string) [][]byte {
	tb.Helper()
	var files []string
	repeat := func(n int, names ...string) {
		for range n {
			files = append(files, names...)
		}
	}
	take := func(dir string, from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("frames/%s/f%02d_%s.jpg", dir, i, size))
		}
		return out
	}
	desk := "webcam" + size + "/desk_empty_320.jpg"
	if size == "320" {
		desk = "frames/desk_empty_dlib/frame_000100.jpg"
	}
	repeat(12, take("eyes_center_10s", 1, 10)...)
	repeat(1, take("eyes_center5_left5_center5", 1, 15)...)
	repeat(6, take("eyes_center_10s", 1, 10)...)
	repeat(30, desk)
	repeat(1, take("eyes_center5_right5_center5", 1, 15)...)
	repeat(10, "webcam"+size+"/two_people.jpg")
	repeat(4, take("eyes_center_10s", 1, 10)...)
	data := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(sharedMedia, f))
		if err != nil {
			tb.Fatalf("the shared media must be beside the repository: %v", err)
		}
		data[i] = b
	}
	return data
}

// models are one of each detector, on one core.
func models(tb testing.TB) *analysis.Models {
	tb.Helper()
	m := analysis.NewModels(1, onnxrt.DefaultLibPath(), voice.DefaultModelPath())
	if err := m.Check(); err != nil {
		tb.Fatal(err)
	}
	return m
}

// run analyses the whole session once and returns its signals.
func run(tb testing.TB, a *analysis.Frames, frames [][]byte) []proctor.FrameSignal {
	tr := &analysis.Tracker{}
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
		frames := session(b, size)
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
