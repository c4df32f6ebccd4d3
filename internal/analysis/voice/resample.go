package voice

import (
	"math"
	"sync"
)

// Resampler design: a Kaiser-windowed sinc low-pass evaluated at the exact
// fractional input position of every output sample (band-limited
// interpolation). Downsampling scales the kernel so its cutoff sits below
// the new Nyquist frequency, which is what keeps 48 or 16 kHz content above
// 4 kHz from folding into the 8 kHz signal the voice model hears.
const (
	// kernelZeros is the number of sinc zero crossings on each side of
	// the centre, kaiserBeta the window's shape and cutoffFrac where the
	// cutoff sits as a fraction of the lower Nyquist rate (3.68 kHz for
	// 8 kHz output). Computed response for 48 or 16 kHz to 8 kHz: flat to
	// 3.2 kHz, -0.13 dB at 3.4 kHz (the top of the telephone band), -3 dB
	// at 3.6 kHz, -46 dB at 4 kHz, below -85 dB from 4.2 kHz up. So
	// nothing that folds back lands in the speech band. 315 taps at 48 kHz.
	kernelZeros = 24
	kaiserBeta  = 8.0
	cutoffFrac  = 0.92
	// kernelRes is the number of table entries per zero crossing of the
	// tabulated kernel (linear interpolation between them; the error is
	// far below the 16-bit noise floor).
	kernelRes = 512
	// maxPhases bounds the per-ratio coefficient table: ratios whose
	// reduced upsampling factor is larger interpolate the kernel on the
	// fly instead (slower, same result).
	maxPhases = 1024
)

var (
	kernelOnce  sync.Once
	kernelTable []float32 // K(u) for u = i/kernelRes, 0 <= u <= kernelZeros
	phaseTables sync.Map  // [2]int{from, to} -> *polyphase
)

func kernel() []float32 {
	kernelOnce.Do(func() {
		n := kernelZeros*kernelRes + 2
		kernelTable = make([]float32, n)
		i0b := besselI0(kaiserBeta)
		for i := range n {
			u := float64(i) / kernelRes
			var s float64 = 1
			if u != 0 {
				s = math.Sin(math.Pi*u) / (math.Pi * u)
			}
			r := u / kernelZeros
			var w float64
			if r < 1 {
				w = besselI0(kaiserBeta*math.Sqrt(1-r*r)) / i0b
			}
			kernelTable[i] = float32(s * w)
		}
	})
	return kernelTable
}

// kernelAt evaluates the tabulated kernel at |u| (in zero crossings).
func kernelAt(tab []float32, u float64) float64 {
	u = math.Abs(u) * kernelRes
	i := int(u)
	if i >= len(tab)-1 {
		return 0
	}
	f := u - float64(i)
	return float64(tab[i]) + f*float64(tab[i+1]-tab[i])
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	return sum
}

// polyphase holds the filter for one rational ratio up/down (reduced):
// output sample n sits at input position n*down/up, whose fractional part
// is one of up phases; taps[p] are the weights of inputs first+0..width-1
// for phase p.
type polyphase struct {
	up, down int
	width    int // taps per phase
	offset   int // first input index relative to floor(position)
	taps     []float32
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// scale is the kernel stretch: 1 when upsampling, to/from when
// downsampling, times cutoffFrac.
func cutoff(from, to int) float64 {
	c := 1.0
	if to < from {
		c = float64(to) / float64(from)
	}
	return c * cutoffFrac
}

func getPolyphase(from, to int) *polyphase {
	key := [2]int{from, to}
	if p, ok := phaseTables.Load(key); ok {
		return p.(*polyphase)
	}
	g := gcd(from, to)
	up, down := to/g, from/g
	if up > maxPhases {
		return nil
	}
	c := cutoff(from, to)
	half := int(math.Ceil(kernelZeros / c)) // input samples on each side
	p := &polyphase{up: up, down: down, width: 2*half + 1, offset: -half}
	p.taps = make([]float32, up*p.width)
	tab := kernel()
	for ph := range up {
		frac := float64(ph) / float64(up) // position - floor(position)
		row := p.taps[ph*p.width : (ph+1)*p.width]
		var sum float64
		for j := range row {
			d := float64(j+p.offset) - frac // input index minus position
			w := kernelAt(tab, d*c)
			row[j] = float32(w)
			sum += w
		}
		// Normalise each phase to unit DC gain: removes the small ripple
		// the finite kernel leaves, so a constant stays constant.
		for j := range row {
			row[j] = float32(float64(row[j]) / sum)
		}
	}
	actual, _ := phaseTables.LoadOrStore(key, p)
	return actual.(*polyphase)
}

// Resample converts x from one sample rate to another with a band-limited
// (anti-aliased) windowed-sinc filter. Samples beyond both ends are taken
// as zero. It returns x itself when the rates are equal, and nil for
// non-positive rates or empty input. The output has
// ceil(len(x)*to/from) samples.
func Resample(x []float32, from, to int) []float32 {
	if from <= 0 || to <= 0 || len(x) == 0 {
		return nil
	}
	if from == to {
		return x
	}
	n := int((int64(len(x))*int64(to) + int64(from) - 1) / int64(from))
	out := make([]float32, n)
	if p := getPolyphase(from, to); p != nil {
		p.run(x, out)
		return out
	}
	resampleDirect(x, out, from, to)
	return out
}

func (p *polyphase) run(x, out []float32) {
	nx := len(x)
	for n := range out {
		num := int64(n) * int64(p.down)
		base := int(num / int64(p.up))
		ph := int(num % int64(p.up))
		row := p.taps[ph*p.width : (ph+1)*p.width]
		start := base + p.offset
		var acc float32
		if start >= 0 && start+p.width <= nx {
			acc = dot(row, x[start:start+p.width])
		} else {
			for j, w := range row {
				if k := start + j; k >= 0 && k < nx {
					acc += w * x[k]
				}
			}
		}
		out[n] = acc
	}
}

// dot returns the dot product of a and b (len(b) >= len(a)), with four
// independent sums so the additions pipeline.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// resampleDirect handles ratios whose polyphase table would be too large
// (rates with no small common divisor), evaluating the kernel per tap.
func resampleDirect(x, out []float32, from, to int) {
	tab := kernel()
	c := cutoff(from, to)
	half := int(math.Ceil(kernelZeros / c))
	step := float64(from) / float64(to)
	for n := range out {
		pos := float64(n) * step
		base := int(pos)
		var acc, sum float64
		for k := base - half; k <= base+half+1; k++ {
			w := kernelAt(tab, (float64(k)-pos)*c)
			sum += w
			if k >= 0 && k < len(x) {
				acc += w * float64(x[k])
			}
		}
		out[n] = float32(acc / sum)
	}
}
