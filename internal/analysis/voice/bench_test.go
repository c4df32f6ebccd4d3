package voice

import (
	"math/rand/v2"
	"testing"
)

// first10s returns the first 10 s of a clip as the client sends it
// (8 kHz μ-law, decoded), or at its native rate.
func first10s(b *testing.B, name string, native bool) ([]float32, int) {
	x, rate := loadWAV(b, name)
	x = x[:min(len(x), 10*rate)]
	if native {
		return x, rate
	}
	return ulawPath(x, rate), Rate
}

func benchAnalyze(b *testing.B, x []float32, rate int) {
	d := newTestDetector(b)
	analyze(b, d, x, rate)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Analyze(x, rate); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/10s")
}

// The figure of MEASUREMENTS.md: 10 s of speech as clients send it
// (8 kHz μ-law, decoded before the call). ns/op is the cost per 10 s.
func BenchmarkAnalyze10s(b *testing.B) {
	x, rate := first10s(b, "speech_jfk_16k.wav", false)
	benchAnalyze(b, x, rate)
}

// The same speech as 16 kHz L16: adds the resampler.
func BenchmarkAnalyze10s16k(b *testing.B) {
	x, rate := first10s(b, "speech_jfk_16k.wav", true)
	benchAnalyze(b, x, rate)
}

// 48 kHz input (resampled 6:1).
func BenchmarkAnalyze10s48k(b *testing.B) {
	x, rate := first10s(b, "speech_jfk_48k.wav", true)
	benchAnalyze(b, x, rate)
}

// Typing: every frame runs the model, like speech.
func BenchmarkAnalyze10sTyping(b *testing.B) {
	x, rate := first10s(b, "keyboard_typing_10s_16k.wav", false)
	benchAnalyze(b, x, rate)
}

// Digital silence (a muted microphone): the model is skipped.
func BenchmarkAnalyze10sSilence(b *testing.B) {
	benchAnalyze(b, make([]float32, 10*Rate), Rate)
}

// Quiet hiss at -60 dBFS: not digital silence, so the model runs.
func BenchmarkAnalyze10sHiss(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 10*Rate)
	for i := range x {
		x[i] = float32(0.001 * rng.NormFloat64())
	}
	benchAnalyze(b, ulawPath(x, Rate), Rate)
}

func BenchmarkResample48kTo8k10s(b *testing.B) {
	x, rate := first10s(b, "speech_jfk_48k.wav", true)
	b.ReportAllocs()
	for b.Loop() {
		Resample(x, rate, Rate)
	}
}

func BenchmarkResample16kTo8k10s(b *testing.B) {
	x, rate := first10s(b, "speech_jfk_16k.wav", true)
	b.ReportAllocs()
	for b.Loop() {
		Resample(x, rate, Rate)
	}
}

func BenchmarkDecodeMuLaw10s(b *testing.B) {
	x, _ := first10s(b, "speech_jfk_16k.wav", false)
	body := EncodeMuLaw(x)
	b.ReportAllocs()
	for b.Loop() {
		DecodeMuLaw(body)
	}
}

// The steady-frame features alone (one FFT and the comparison with the
// last second per frame) over the same 10 s as BenchmarkAnalyze10s: what
// telling speech from tones and beeps adds to Analyze (docs/BENCHMARKS.md).
func BenchmarkSteadyFeatures10s(b *testing.B) {
	x, _ := first10s(b, "speech_jfk_16k.wav", false)
	s := newSpectrum()
	frame := make([]float32, frameLen)
	b.ReportAllocs()
	for b.Loop() {
		s.reset()
		for f := 0; f+frameLen <= len(x); f += frameLen {
			copy(frame, x[f:f+frameLen])
			s.analyse(frame)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/10, "µs/s")
}
