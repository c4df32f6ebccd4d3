package fairness

import (
	"math"

	"vigil/internal/analysis/face"
)

// Matches reports whether a detection is the face at t: its centre lies
// within a quarter of the crop's side of the crop's centre, and its size —
// the geometric mean of width and height, since detectors draw boxes of
// different aspect — is 0.5–2 times the crop's side.
func Matches(f face.Face, t Truth) bool {
	cx := float64(f.X) + float64(f.W)/2
	cy := float64(f.Y) + float64(f.H)/2
	if math.Hypot(cx-t.CX, cy-t.CY) > t.Side/4 {
		return false
	}
	size := math.Sqrt(float64(f.W) * float64(f.H))
	return size >= t.Side/2 && size <= 2*t.Side
}

// z95 is the standard normal quantile for a two-sided 95 % interval.
const z95 = 1.959963984540054

// Wilson returns the 95 % Wilson score interval of a proportion of found
// in total, as fractions; 0 of 0 gives [0, 1].
func Wilson(found, total int) (lo, hi float64) {
	if total <= 0 {
		return 0, 1
	}
	n := float64(total)
	p := float64(found) / n
	z2 := z95 * z95
	centre := (p + z2/(2*n)) / (1 + z2/n)
	half := z95 / (1 + z2/n) * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return max(0, centre-half), min(1, centre+half)
}
