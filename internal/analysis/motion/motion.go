// Package motion compares consecutive webcam frames on small, exposure-
// normalised luma thumbnails. It answers two questions: how much of the
// background moved (Background Motion, with the student's own region left
// out), and whether the picture changed at all (so the face detector's last
// answer can be reused for a frame that is the same as the one before).
package motion

import (
	"image"
	"math"
)

// Thumbnail size: 64x48 cells, each the mean of a 5x5 block of a 320x240
// frame (10x10 at 640x480). Averaging removes most sensor noise, and small
// thumbnails make a comparison cost microseconds.
const (
	W = 64
	H = 48
)

// minStd is the contrast (luma standard deviation) under which a frame is
// flat — covered camera, black room — and cannot show motion.
const minStd = 3

// Thumb is a frame reduced to W x H cells, each cell's luma minus the
// frame's mean, divided by the frame's standard deviation: a change of
// exposure or gain (the camera brightening the whole picture) leaves it the
// same, while an object moving changes it.
type Thumb struct {
	Cells [W * H]float32
	// Clipped marks cells at the ends of the luma range, where exposure
	// changes are not linear (a brightening wall saturates): they are left
	// out of comparisons.
	Clipped [W * H]bool
	Flat    bool    // too little contrast to compare
	Mean    float32 // mean luma before normalising, 0–255
}

// Cells whose mean luma is beyond these limits count as clipped.
const (
	clipLow  = 12
	clipHigh = 243
)

// maxSide bounds the frames Make accepts (the ingest limit).
const maxSide = 4096

// Make fills t from img. It reads the luma plane directly for *image.YCbCr
// and *image.Gray (what image/jpeg returns) and falls back to At otherwise.
func Make(img image.Image, t *Thumb) {
	b := img.Bounds()
	var sums [W * H]float32
	var counts [W * H]uint16
	if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx() > maxSide || b.Dy() > maxSide {
		t.Flat = true
		return
	}
	var cellX [maxSide]uint8 // the thumbnail column of each image column
	for x := range b.Dx() {
		cellX[x] = uint8(x * W / b.Dx())
	}
	// Frames larger than 320x240 are sampled every step pixels: averaging
	// 25 samples per cell removes sensor noise as well as averaging 100.
	step := max(1, min(b.Dx()/(W*5), b.Dy()/(H*5)))
	row := lumaRow(img)
	for y := b.Min.Y; y < b.Max.Y; y += step {
		base := ((y - b.Min.Y) * H / b.Dy()) * W
		r := row(y)
		for x := 0; x < len(r); x += step {
			c := base + int(cellX[x])
			sums[c] += float32(r[x])
			counts[c]++
		}
	}
	normalise(t, &sums, &counts)
}

// lumaRow returns a function that gives the luma of one row of img.
func lumaRow(img image.Image) func(y int) []uint8 {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		return func(y int) []uint8 { i := m.YOffset(b.Min.X, y); return m.Y[i : i+b.Dx()] }
	case *image.Gray:
		return func(y int) []uint8 { i := m.PixOffset(b.Min.X, y); return m.Pix[i : i+b.Dx()] }
	}
	buf := make([]uint8, b.Dx())
	return func(y int) []uint8 {
		for x := range buf {
			r, g, bl, _ := img.At(b.Min.X+x, y).RGBA()
			buf[x] = uint8((299*(r>>8) + 587*(g>>8) + 114*(bl>>8)) / 1000)
		}
		return buf
	}
}

func normalise(t *Thumb, sums *[W * H]float32, counts *[W * H]uint16) {
	var mean, sq float64
	for i := range t.Cells {
		v := sums[i] / float32(max(1, counts[i]))
		t.Cells[i], t.Clipped[i] = v, v < clipLow || v > clipHigh
		mean += float64(v)
	}
	mean /= W * H
	for _, v := range t.Cells {
		d := float64(v) - mean
		sq += d * d
	}
	std := math.Sqrt(sq / (W * H))
	t.Mean, t.Flat = float32(mean), std < minStd
	scale := float32(1 / math.Max(std, minStd))
	for i := range t.Cells {
		t.Cells[i] = (t.Cells[i] - float32(mean)) * scale
	}
}

// Region is a rectangle in fractions of the frame (0–1), e.g. where the
// student is.
type Region struct{ X0, Y0, X1, Y1 float32 }

// cellThreshold is how far (in standard deviations of the frame's luma) a
// cell must move to count as changed; measured to sit well above the noise
// of a still webcam and below the change of anything moving.
const cellThreshold = 0.35

// Changed returns the fraction of cells outside every excluded region whose
// normalised luma moved more than cellThreshold between a and b, or -1 when
// either frame is flat or nothing is left to compare.
func Changed(a, b *Thumb, exclude ...Region) float32 {
	if a.Flat || b.Flat {
		return -1
	}
	changed, total := 0, 0
	for cy := range H {
		for cx := range W {
			i := cy*W + cx
			if a.Clipped[i] || b.Clipped[i] || excluded(cx, cy, exclude) {
				continue
			}
			total++
			if d := a.Cells[i] - b.Cells[i]; d > cellThreshold || d < -cellThreshold {
				changed++
			}
		}
	}
	if total == 0 {
		return -1
	}
	return float32(changed) / float32(total)
}

func excluded(cx, cy int, regions []Region) bool {
	x, y := (float32(cx)+0.5)/W, (float32(cy)+0.5)/H
	for _, r := range regions {
		if x >= r.X0 && x < r.X1 && y >= r.Y0 && y < r.Y1 {
			return true
		}
	}
	return false
}

// PersonRegion is where a student whose face box (in pixels of a frame of
// size fw x fh) is seen moves by themselves: the face widened by a face
// width on each side, from half a face above it down to the bottom of the
// frame (shoulders, arms, hands on the desk).
func PersonRegion(x, y, w, h float32, fw, fh int) Region {
	return Region{
		X0: (x - w) / float32(fw), X1: (x + 2*w) / float32(fw),
		Y0: (y - h/2) / float32(fh), Y1: 1,
	}
}

// Within returns how much the picture changed inside one region between a
// and b: the mean absolute difference of the normalised cells whose centres
// lie in it (in standard deviations of the frame's luma), or −1 when either
// frame is flat or the region holds no comparable cell. A live face changes
// from one second to the next (measured on real webcam takes: 0.012–0.31,
// typically 0.03–0.1); the wall behind, which only the camera's noise and
// its own small shakes move, 0.009–0.097, typically about a third of the
// face (Noise measures the noise frame by frame).
func Within(a, b *Thumb, r Region) float32 {
	if a.Flat || b.Flat {
		return -1
	}
	var sum float32
	n := 0
	for cy := range H {
		y := (float32(cy) + 0.5) / H
		if y < r.Y0 || y >= r.Y1 {
			continue
		}
		for cx := range W {
			x := (float32(cx) + 0.5) / W
			i := cy*W + cx
			if x < r.X0 || x >= r.X1 || a.Clipped[i] || b.Clipped[i] {
				continue
			}
			d := a.Cells[i] - b.Cells[i]
			if d < 0 {
				d = -d
			}
			sum += d
			n++
		}
	}
	if n == 0 {
		return -1
	}
	return sum / float32(n)
}

// Noise is the camera's noise between a and b: the 25th percentile, over
// every comparable cell, of the absolute difference of the normalised
// cells. Most of a webcam frame is a room that did not move; the lower
// quarter of its cells' changes is noise (sensor, compression) even when
// the student and their clothes fill half the frame. For cells that only
// carry noise, Within's mean is about 2.5 times this (the mean and the 25th
// percentile of a half-normal spread); −1 when it cannot be told.
func Noise(a, b *Thumb) float32 {
	if a.Flat || b.Flat {
		return -1
	}
	var d [W * H]float32
	n := 0
	for i := range a.Cells {
		if a.Clipped[i] || b.Clipped[i] {
			continue
		}
		v := a.Cells[i] - b.Cells[i]
		if v < 0 {
			v = -v
		}
		d[n] = v
		n++
	}
	if n == 0 {
		return -1
	}
	return quickSelect(d[:n], n/4)
}

// quickSelect returns the k-th smallest of xs (from 0), reordering xs.
func quickSelect(xs []float32, k int) float32 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		p := xs[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < p {
				i++
			}
			for xs[j] > p {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// BoxRegion is a box in pixels of a frame of size fw x fh, as a Region.
func BoxRegion(x, y, w, h float32, fw, fh int) Region {
	return Region{X0: x / float32(fw), Y0: y / float32(fh), X1: (x + w) / float32(fw), Y1: (y + h) / float32(fh)}
}
