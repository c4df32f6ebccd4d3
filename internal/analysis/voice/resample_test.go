package voice

import (
	"math"
	"testing"
)

func sine(rate, n int, hz, amp float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return x
}

// rmsDB of the middle of x (away from the edges, where the filter sees
// the zeros beyond the ends).
func rmsDB(x []float32) float64 {
	m := x[len(x)/4 : 3*len(x)/4]
	var p float64
	for _, v := range m {
		p += float64(v) * float64(v)
	}
	return 10 * math.Log10(p/float64(len(m)))
}

func TestResamplePassbandAndAliasing(t *testing.T) {
	for _, from := range []int{16000, 44100, 48000, 32000} {
		// Speech band: 300-3400 Hz passes within 0.2 dB.
		for _, hz := range []float64{300, 1000, 3000, 3400} {
			in := sine(from, from, hz, 0.5)
			out := Resample(in, from, 8000)
			if g := rmsDB(out) - rmsDB(in); math.Abs(g) > 0.2 {
				t.Errorf("%d->8000 at %v Hz: gain %.2f dB, want 0 ± 0.2", from, hz, g)
			}
		}
		// Above the new Nyquist frequency: must not fold back into the
		// 8 kHz signal. From 4.2 kHz up the computed attenuation is
		// > 85 dB; float32 rounding in the test leaves > 75 dB.
		for _, hz := range []float64{4200, 4400, 5000, 7000, 7900} {
			if hz >= float64(from)/2 {
				continue
			}
			in := sine(from, from, hz, 0.5)
			out := Resample(in, from, 8000)
			if g := rmsDB(out) - rmsDB(in); g > -75 {
				t.Errorf("%d->8000 at %v Hz: alias at %.1f dB, want < -75", from, hz, g)
			}
		}
	}
}

func TestResampleShapes(t *testing.T) {
	x := sine(16000, 16001, 500, 0.5)
	if got := len(Resample(x, 16000, 8000)); got != 8001 {
		t.Errorf("16001 samples 16k->8k: %d, want 8001", got)
	}
	if got := len(Resample(x, 8000, 16000)); got != 32002 {
		t.Errorf("16001 samples 8k->16k: %d, want 32002", got)
	}
	if got := Resample(x, 8000, 8000); &got[0] != &x[0] {
		t.Error("equal rates should return the input")
	}
	for _, c := range []struct{ from, to int }{{0, 8000}, {8000, 0}, {-1, 8000}} {
		if got := Resample(x, c.from, c.to); got != nil {
			t.Errorf("Resample(%d, %d) = %d samples, want nil", c.from, c.to, len(got))
		}
	}
	if got := Resample(nil, 16000, 8000); got != nil {
		t.Errorf("Resample(nil) = %v", got)
	}
	// A constant stays constant (unit DC gain), away from the edges.
	dc := make([]float32, 4800)
	for i := range dc {
		dc[i] = 0.25
	}
	for _, v := range Resample(dc, 48000, 8000)[100:700] {
		if math.Abs(float64(v)-0.25) > 1e-5 {
			t.Fatalf("DC 0.25 came out as %v", v)
		}
	}
}

// Rates with no small common divisor take the direct path; it must agree
// with the table path (same kernel).
func TestResampleDirectMatchesTable(t *testing.T) {
	x := sine(44100, 44100, 1000, 0.5)
	table := Resample(x, 44100, 8000)
	direct := make([]float32, len(table))
	resampleDirect(x, direct, 44100, 8000)
	var maxDiff float64
	for i := range table {
		maxDiff = max(maxDiff, math.Abs(float64(table[i]-direct[i])))
	}
	if maxDiff > 1e-4 {
		t.Errorf("direct and table paths differ by %v", maxDiff)
	}
	// 44101 Hz: 8000 phases, more than maxPhases, so Resample goes direct.
	if p := getPolyphase(44101, 8000); p != nil {
		t.Fatalf("44101->8000 got a table of %d phases", p.up)
	}
	out := Resample(sine(44101, 44101, 1000, 0.5), 44101, 8000)
	if g := rmsDB(out) - rmsDB(x); math.Abs(g) > 0.1 {
		t.Errorf("44101->8000 direct: gain %.2f dB", g)
	}
}
