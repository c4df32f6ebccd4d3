package voice

import (
	"math"
	"math/cmplx"
)

// Steady sounds that Silero sometimes takes for speech: a pure tone, the
// beeps of a fake microphone, a held note. Two cheap properties of a 32 ms
// spectrum (one FFT per model frame) tell them from speech, whose spectrum
// is spread over many harmonics and formants and never comes back exactly
// the same: a frame is "steady" when
//   - most of its power is in one spectral line (a tone), or
//   - its spectrum repeats one of the frames of the last second (a beep, a
//     tone, a sustained note: machines repeat themselves, voices do not).
//
// Silero's probability of a steady frame does not count as speech.
// MEASUREMENTS.md ("Tones, beeps, music and fans") has the measurements the
// features and thresholds were chosen on.
const (
	specLen = frameLen              // one FFT per model frame
	specLo  = 100 * specLen / Rate  // first bin kept: 100 Hz, like the level filter
	specHi  = 3800 * specLen / Rate // bins kept end at 3.8 kHz, below μ-law's band edge
	specN   = specHi - specLo

	// ToneShare is the share of a frame's power in its strongest bin and
	// the two beside it from which the frame is a tone. Measured on the
	// frames Silero calls voiced: tones and sine beeps 0.95-1.00; speech
	// 0.33-0.70 at the median, single frames of a low steady voice up to
	// 0.99 (never a whole word).
	ToneShare = 0.9
	// RepeatSimilarity is the cosine similarity of two power spectra from
	// which the later frame repeats the earlier. Measured: a tone and the
	// second and later beeps 0.95-1.00 (beeps fall at different offsets
	// in the frames; 0.97 let one through); speech 0.72-0.84 at the
	// median, 4-40 % of its voiced frames above 0.95, never a whole window.
	RepeatSimilarity = 0.95
	// repeatFrames is the ring of remembered spectra: a frame is compared
	// with those 64 ms to 960 ms before it (not the one just before: a
	// vowel's next 32 ms is alike), which holds the previous beep at the
	// two per second of Chromium's fake microphone.
	repeatFrames = 1000 / FrameMS
)

// spectrum computes the per-frame spectra of one chunk and remembers the
// last second of them, so a Detector judges frames without allocating.
type spectrum struct {
	window  [specLen]float64
	twiddle [specLen / 2]complex128
	buf     [specLen]complex128
	hist    [repeatFrames][specN]float64 // power spectra, a ring
	norm    [repeatFrames]float64        // their Euclidean norms (0: silent)
	n       int                          // frames seen since reset
}

func newSpectrum() *spectrum {
	s := &spectrum{}
	for i := range s.window {
		s.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/specLen) // Hann
	}
	for i := range s.twiddle {
		s.twiddle[i] = cmplx.Exp(complex(0, -2*math.Pi*float64(i)/specLen))
	}
	return s
}

// reset forgets the frames before (a new chunk starts).
func (s *spectrum) reset() {
	s.n = 0
	clear(s.norm[:])
}

// frameFeatures of one frame.
type frameFeatures struct {
	// toneShare is the share of the frame's power in its strongest bin
	// and its two neighbours.
	toneShare float64
	// repeat is the highest cosine similarity of the frame's power
	// spectrum with those of the frames 64 ms to 1 s before it.
	repeat float64
}

func (f frameFeatures) steady() bool {
	return f.toneShare >= ToneShare || f.repeat >= RepeatSimilarity
}

// silent records a frame of digital silence without computing anything.
func (s *spectrum) silent() {
	s.norm[s.n%repeatFrames] = 0
	s.n++
}

// analyse computes the features of frame (specLen samples) and remembers
// its spectrum.
func (s *spectrum) analyse(frame []float32) frameFeatures {
	for i := range s.buf {
		s.buf[i] = complex(float64(frame[i])*s.window[i], 0)
	}
	fft(s.buf[:], s.twiddle[:])
	slot := s.n % repeatFrames
	cur := &s.hist[slot]
	var total, sq, best float64
	bestAt := 0
	for k := range cur {
		c := s.buf[specLo+k]
		p := real(c)*real(c) + imag(c)*imag(c)
		cur[k] = p
		total += p
		sq += p * p
		if p > best {
			best, bestAt = p, k
		}
	}
	s.n++
	var f frameFeatures
	if total <= 1e-12 {
		s.norm[slot] = 0
		return f
	}
	s.norm[slot] = math.Sqrt(sq)
	f.toneShare = (best + cur[max(bestAt-1, 0)] + cur[min(bestAt+1, specN-1)]) / total
	if bestAt == 0 || bestAt == specN-1 {
		f.toneShare -= best / total // the neighbour clamped onto the peak itself
	}
	for back := 2; back < min(s.n, repeatFrames); back++ {
		j := (s.n - 1 - back) % repeatFrames
		if s.norm[j] == 0 {
			continue
		}
		var dot float64
		for k, v := range &s.hist[j] {
			dot += v * cur[k]
		}
		f.repeat = max(f.repeat, dot/(s.norm[j]*s.norm[slot]))
	}
	return f
}

// fft transforms x in place (radix-2, decimation in time); len(x) is a
// power of two and twiddle holds exp(-2πik/len(x)) for k < len(x)/2.
func fft(x []complex128, twiddle []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ { // bit-reversal permutation
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			for k := range half {
				t := twiddle[k*step] * x[start+k+half]
				x[start+k+half] = x[start+k] - t
				x[start+k] += t
			}
		}
	}
}
