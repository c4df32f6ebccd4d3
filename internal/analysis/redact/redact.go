// Package redact hides other people's faces in a frame before it is shown
// to a student: the student sees their own evidence, never a recognisable
// picture of someone else (a sibling who walked in, a flatmate).
//
// Which face is the student's: the largest one; when another is nearly as
// large (at least KeepRatio of its area) the one nearer the frame's centre
// wins, since a student sits facing their camera. Every other detected face
// is pixelated over its box grown by Margin on each side (hair, ears), in
// blocks of a fifth of the box's longer side: too coarse for a person or a
// face detector to recognise. Faces the detector does not find (a profile,
// a face at the very edge) are not hidden: the student is shown what the
// instructor sees, minus the faces found.
package redact

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"vigil/internal/analysis/face"
)

// Tuning, as described in the package comment.
const (
	KeepRatio = 0.75
	Margin    = 0.2
	blocks    = 5
)

// Keep returns the index of the face to leave visible (the student's), or
// -1 when there is none.
func Keep(faces []face.Face, bounds image.Rectangle) int {
	best := -1
	for i, f := range faces {
		if best < 0 {
			best = i
			continue
		}
		a, b := area(f), area(faces[best])
		switch {
		case a >= b/KeepRatio: // clearly larger
			best = i
		case a > b*KeepRatio && centreDist(f, bounds) < centreDist(faces[best], bounds): // about as large, more central
			best = i
		}
	}
	return best
}

func area(f face.Face) float64 { return float64(f.W) * float64(f.H) }

func centreDist(f face.Face, b image.Rectangle) float64 {
	cx := float64(b.Min.X+b.Max.X) / 2
	cy := float64(b.Min.Y+b.Max.Y) / 2
	return math.Hypot(float64(f.X+f.W/2)-cx, float64(f.Y+f.H/2)-cy)
}

// Others returns a copy of img with every face but faces[keep] pixelated,
// and how many it hid.
func Others(img image.Image, faces []face.Face, keep int) (*image.RGBA, int) {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	hidden := 0
	for i, f := range faces {
		if i == keep {
			continue
		}
		pixelate(out, grow(f, b))
		hidden++
	}
	return out, hidden
}

// grow is a face's box enlarged by Margin on each side, within b.
func grow(f face.Face, b image.Rectangle) image.Rectangle {
	mx, my := f.W*Margin, f.H*Margin
	r := image.Rect(int(f.X-mx), int(f.Y-my), int(math.Ceil(float64(f.X+f.W+mx))), int(math.Ceil(float64(f.Y+f.H+my))))
	return r.Intersect(b)
}

// pixelate fills r with square blocks of their mean colour.
func pixelate(img *image.RGBA, r image.Rectangle) {
	side := max(1, max(r.Dx(), r.Dy())/blocks)
	for y := r.Min.Y; y < r.Max.Y; y += side {
		for x := r.Min.X; x < r.Max.X; x += side {
			block := image.Rect(x, y, x+side, y+side).Intersect(r)
			draw.Draw(img, block, &image.Uniform{mean(img, block)}, image.Point{}, draw.Src)
		}
	}
}

func mean(img *image.RGBA, r image.Rectangle) color.RGBA {
	var sr, sg, sb, n uint64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			sr, sg, sb, n = sr+uint64(c.R), sg+uint64(c.G), sb+uint64(c.B), n+1
		}
	}
	if n == 0 {
		return color.RGBA{A: 255}
	}
	return color.RGBA{uint8(sr / n), uint8(sg / n), uint8(sb / n), 255}
}
