package analysis_test

import (
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/analysis/modeltest"
)

// BenchmarkPoseCost measures what the head-pose model adds to the analysis
// of a continuous session (the 72 real frames of BenchmarkFrameAnalysis,
// none looped), at 320x240 and 640x480: Vigil's pipeline with the model and
// the same pipeline without it (Head nil) run in turns on the same frames,
// so both meet the same load on a shared machine. Metrics per frame: wall
// and CPU time of each, the CPU time the model adds, the ratio, and how
// often the model ran (it runs only on a frame's only face, and only when
// the picture changed).
func BenchmarkPoseCost(b *testing.B) {
	m := models(b)
	for _, size := range []string{"320", "640"} {
		frames := modeltest.ContinuousTake(b, size)
		b.Run(size, func(b *testing.B) {
			with, without := m.Frames(), m.Frames()
			without.Head = nil
			with.Stages = &analysis.Stages{}
			run(b, with, frames) // load every model before timing
			run(b, without, frames)
			with.Stages = &analysis.Stages{}
			var wall, cpu [2]time.Duration
			runs := 0
			for b.Loop() {
				for i, a := range []*analysis.Frames{with, without} {
					t0, c0 := time.Now(), cpuTime()
					run(b, a, frames)
					wall[i] += time.Since(t0)
					cpu[i] += cpuTime() - c0
				}
				runs++
			}
			n := float64(runs * len(frames))
			perFrame := func(d time.Duration) float64 { return float64(d) / 1e6 / n }
			b.ReportMetric(perFrame(wall[0]), "with-pose-ms/frame")
			b.ReportMetric(perFrame(wall[1]), "without-ms/frame")
			b.ReportMetric(perFrame(cpu[0]), "with-pose-cpu-ms/frame")
			b.ReportMetric(perFrame(cpu[1]), "without-cpu-ms/frame")
			b.ReportMetric(perFrame(cpu[0]-cpu[1]), "added-cpu-ms/frame")
			if cpu[1] > 0 {
				b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
			}
			b.ReportMetric(float64(with.Stages.Posed)/n, "posed-share")
			b.ReportMetric(float64(with.Stages.Pose)/1e6/n, "pose-stage-ms/frame")
		})
	}
}
