package identity

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU the process has used: unlike the wall clock it does
// not count the time other processes on a shared machine hold the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEmbed measures one face, aligned and embedded on one core, with
// the model's weights as published and with its subnormal weights zeroed
// (the default), in turns in the same run; "align" is the warp alone.
func BenchmarkEmbed(b *testing.B) {
	img := loadJPEG(b, "webcam640/obama_480p.jpg")
	lm := landmarks(b, img)
	models := map[string]*Model{"as-published": newTestModel(b, Options{KeepSubnormals: true}),
		"subnormals-zeroed": newTestModel(b, Options{})}
	for _, name := range []string{"as-published", "subnormals-zeroed"} {
		m := models[name]
		b.Run(name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				if _, err := m.Embed(img, lm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/face")
		})
	}
	b.Run("align", func(b *testing.B) {
		var al aligner
		dst := make([]float32, 3*Side*Side)
		for b.Loop() {
			al.align(img, lm, dst, 1.0/128, -127.0/128)
		}
	})
}
