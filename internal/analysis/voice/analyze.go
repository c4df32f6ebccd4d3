package voice

import (
	"math"
	"slices"
)

// Window is one analysis window of WindowMS. The last window of a chunk
// takes the remainder: a remainder of at least one model frame (32 ms) is
// a window of its own, a shorter one joins the window before (so a last
// window lasts 32 ms to WindowMS + 31 ms; a chunk shorter than 32 ms is one
// short window). Times are in milliseconds from the start of the chunk.
type Window struct {
	StartMS, DurMS int64

	// Speech is the highest Silero speech probability among the model
	// frames (32 ms) whose centre lies in the window, not counting steady
	// frames (see Steady) nor a frame whose neighbours both score under
	// half the threshold (a voice lasts longer than one frame, a beep or
	// click fills one; see lasting). The maximum, not the mean: a short word fills only part of a window and the mean dilutes
	// it with the pause around it. Measured (MEASUREMENTS.md): on the
	// non-speech recordings the maximum stays at or below 0.17, so it
	// costs nothing there, while asking for half the window voiced would
	// find 59 % of the JFK windows instead of 86 %.
	Speech float32
	// SpeechFrac is the fraction of those frames at or above
	// VoiceThreshold: how much of the window is voiced, for rules that
	// want more than one voiced frame.
	SpeechFrac float32
	// Steady is the fraction of the window's frames whose spectrum is a
	// pure tone or repeats a frame of the second before (spectrum.go):
	// beeps, tones, held notes. Their speech probability is not counted in
	// Speech or SpeechFrac: Silero takes some tones and beeps for speech
	// (MEASUREMENTS.md), speech never stays a single line or repeats
	// itself exactly.
	Steady float32
	// RMSdB is the level of the whole window in dBFS (a full-scale square
	// wave is 0, a full-scale sine -3); digital silence is MinDB. Levels
	// are measured after a 100 Hz high-pass, so DC offset and mains hum do
	// not count as sound.
	RMSdB float32
	// PeakdB is the largest absolute sample in dBFS (same filter).
	// PeakdB - RMSdB is the crest factor: 10-12 dB for steady noise,
	// 20-27 dB for typing.
	PeakdB float32
	// MaxdB is the level of the loudest 16 ms of the window: how loud the
	// loudest syllable or key press is, whatever the rest of the window
	// holds. Voice is gated on it (VoiceMinDB).
	MaxdB float32
	// FloordB is the level the window stays above 90 % of the time: the
	// 10th percentile of its 16 ms sub-frame levels. Sustained sound keeps
	// it near RMSdB; key presses and other impulses leave quiet gaps
	// between them, so it drops to the room tone. This is what tells
	// sustained loud sound from typing.
	FloordB float32
}

// MinDB is the level reported for digital silence.
const MinDB = -120

const (
	subLen     = Rate * 16 / 1000 // 16 ms sub-frames for the level profile
	highPassHz = 100
)

func dBFS(power float64) float32 {
	if power <= 1e-12 {
		return MinDB
	}
	return float32(max(10*math.Log10(power), MinDB))
}

// Analyze returns the windows of samples, recorded at rate Hz (resampled to
// 8 kHz first when needed). Each call starts the model from a fresh state,
// so chunks are independent. It refuses (with ErrBadAudio) empty input,
// more than MaxSeconds, NaN or infinite samples and rates outside
// MinRate..MaxRate. The returned slice is the caller's.
func (d *Detector) Analyze(samples []float32, rate int) ([]Window, error) {
	if err := checkSamples(samples, rate); err != nil {
		return nil, err
	}
	x := samples
	if rate != Rate {
		x = Resample(samples, rate, Rate)
	}
	probs, steady, err := d.frameProbs(x)
	if err != nil {
		return nil, err
	}
	return windows(x, probs, steady), nil
}

// highPass is a second-order Butterworth high-pass (RBJ cookbook biquad,
// direct form I) for the level features.
type highPass struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

func newHighPass(fc, fs float64) highPass {
	w0 := 2 * math.Pi * fc / fs
	const q = 1 / math.Sqrt2 // Butterworth
	alpha := math.Sin(w0) / (2 * q)
	cw := math.Cos(w0)
	a0 := 1 + alpha
	return highPass{
		b0: (1 + cw) / 2 / a0, b1: -(1 + cw) / a0, b2: (1 + cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

func (h *highPass) step(x float64) float64 {
	y := h.b0*x + h.b1*h.x1 + h.b2*h.x2 - h.a1*h.y1 - h.a2*h.y2
	h.x2, h.x1 = h.x1, x
	h.y2, h.y1 = h.y1, y
	return y
}

// lasting is frame j's speech probability as the windows count it: none
// for a steady frame (a tone or a repeat, spectrum.go), and none either
// when neither neighbour, steady or not, reaches half the voice threshold.
// A voice lasts longer than one 32 ms frame (a syllable takes 100 ms or
// more; the frames around a voiced one score 0.2-0.5 even at a word's
// edge, and a sustained vowel may be steady), while a beep of 20-30 ms or
// a click that Silero takes for speech fills one frame and its neighbours
// score about 0 (MEASUREMENTS.md).
func lasting(probs []float32, steady []bool, j int) float32 {
	if steady[j] {
		return 0
	}
	var nb float32
	if j > 0 {
		nb = probs[j-1]
	}
	if j+1 < len(probs) {
		nb = max(nb, probs[j+1])
	}
	if nb < VoiceThreshold/2 {
		return min(probs[j], nb)
	}
	return probs[j]
}

// windows cuts x into windows of windowLen samples (a remainder shorter
// than one model frame joins the previous window) and fills in their
// features from x, the per-frame probabilities and which frames are
// steady (their probability does not count as speech).
func windows(x []float32, probs []float32, steady []bool) []Window {
	nw := len(x) / windowLen
	if rem := len(x) - nw*windowLen; rem >= frameLen || nw == 0 {
		nw++
	}
	out := make([]Window, nw)
	subs := make([]float32, 0, (windowLen+frameLen)/subLen+1)
	hp := newHighPass(highPassHz, Rate)
	for i := range out {
		lo, hi := i*windowLen, (i+1)*windowLen
		if i == nw-1 {
			hi = len(x)
		}
		w := &out[i]
		w.StartMS = int64(lo) * 1000 / Rate
		w.DurMS = int64(hi)*1000/Rate - w.StartMS

		// Frames whose centre is in [lo, hi); the last window also takes
		// the zero-padded tail frame.
		f0 := (lo - frameLen/2 + frameLen - 1) / frameLen
		f1 := (hi - frameLen/2 + frameLen - 1) / frameLen
		if i == nw-1 {
			f1 = len(probs)
		}
		f0, f1 = max(f0, 0), min(f1, len(probs))
		var voiced, nSteady int
		for j := f0; j < f1; j++ {
			if steady[j] {
				nSteady++
			}
			p := lasting(probs, steady, j)
			w.Speech = max(w.Speech, p)
			if p >= VoiceThreshold {
				voiced++
			}
		}
		if f1 > f0 {
			w.SpeechFrac = float32(voiced) / float32(f1-f0)
			w.Steady = float32(nSteady) / float32(f1-f0)
		}

		seg := x[lo:hi]
		var pow, peak float64
		subs = subs[:0]
		for s := 0; s < len(seg); s += subLen {
			sub := seg[s:min(s+subLen, len(seg))]
			var sp float64
			for _, v := range sub {
				f := hp.step(float64(v))
				sp += f * f
				peak = max(peak, math.Abs(f))
			}
			pow += sp
			// A short last sub-frame counts in the level, not the
			// percentile (unless it is all there is).
			if len(sub) == subLen || s == 0 {
				subs = append(subs, dBFS(sp/float64(len(sub))))
			}
		}
		w.RMSdB = dBFS(pow / float64(len(seg)))
		w.PeakdB = dBFS(peak * peak)
		slices.Sort(subs)
		w.FloordB = subs[len(subs)/10]
		w.MaxdB = subs[len(subs)-1]
	}
	return out
}
