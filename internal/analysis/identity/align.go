package identity

import (
	"image"
	"image/draw"
	"math"

	"vigil/internal/analysis/face"
)

// Side is the side of the aligned face the embedding models take, in
// pixels (112x112, the ArcFace crop).
const Side = 112

// template is where the five landmarks of a face land in the 112x112
// aligned crop, in YuNet's order (the subject's right eye, left eye, nose
// tip, right and left mouth corners): the ArcFace template that OpenCV's
// FaceRecognizerSF and the stand-in model were trained with.
var template = [5][2]float64{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

// similarity maps image points to the aligned crop: rotation, uniform
// scale and shift, dst = [a −b; b a]·src + (tx, ty).
type similarity struct{ a, b, tx, ty float64 }

// fit finds the similarity that brings the landmarks closest to the
// template (least squares). It fails for landmarks that all coincide
// (UltraFace's boxes carry none).
func fit(lm [5]face.Point) (similarity, bool) {
	var sx, sy, dx, dy float64
	for i, p := range lm {
		sx, sy = sx+float64(p.X), sy+float64(p.Y)
		dx, dy = dx+template[i][0], dy+template[i][1]
	}
	sx, sy, dx, dy = sx/5, sy/5, dx/5, dy/5
	var num1, num2, den float64
	for i, p := range lm {
		px, py := float64(p.X)-sx, float64(p.Y)-sy
		qx, qy := template[i][0]-dx, template[i][1]-dy
		num1 += px*qx + py*qy
		num2 += px*qy - py*qx
		den += px*px + py*py
	}
	if den < 1 { // the points span less than a pixel
		return similarity{}, false
	}
	a, b := num1/den, num2/den
	return similarity{a: a, b: b, tx: dx - (a*sx - b*sy), ty: dy - (b*sx + a*sy)}, true
}

// inverse maps a crop pixel back to the image.
func (s similarity) inverse(x, y float64) (float64, float64) {
	d := s.a*s.a + s.b*s.b
	x, y = x-s.tx, y-s.ty
	return (s.a*x + s.b*y) / d, (-s.b*x + s.a*y) / d
}

// aligner warps faces into the 112x112 crop. It keeps the RGBA copy of the
// image region it samples between calls.
type aligner struct {
	region *image.RGBA
}

// align writes the face with landmarks lm, warped to the template, into
// the R, G, B planes of dst ([3][112][112]) as value·scale + offset. Like
// OpenCV's warpAffine (INTER_LINEAR, a constant black border) each crop
// pixel samples the image bilinearly at its inverse-mapped position, and
// the result is rounded to a byte before it is scaled. A dark crop is
// brightened first (exposureGain).
func (al *aligner) align(img image.Image, lm [5]face.Point, dst []float32, scale, offset float32) bool {
	s, ok := fit(lm)
	if !ok {
		return false
	}
	src := al.load(img, s)
	if src == nil {
		clear(dst)
		return true // the face lies outside the image: a black crop
	}
	const plane = Side * Side
	rp, gp, bp := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	var sum float64
	for y := range Side {
		for x := range Side {
			fx, fy := s.inverse(float64(x), float64(y))
			r, g, b := bilinear(src, fx, fy)
			i := y*Side + x
			rp[i], gp[i], bp[i] = r, g, b
			sum += float64(0.299*r + 0.587*g + 0.114*b)
		}
	}
	gain := exposureGain(sum / plane)
	for i := range plane {
		rp[i] = min(float32(math.Round(float64(rp[i]*gain))), 255)*scale + offset
		gp[i] = min(float32(math.Round(float64(gp[i]*gain))), 255)*scale + offset
		bp[i] = min(float32(math.Round(float64(bp[i]*gain))), 255)*scale + offset
	}
	return true
}

// Exposure: a face whose aligned crop is darker than darkFace (mean
// luma) is brightened toward litFace, by at most maxGain. Measured on
// FairFace in the dim frames of docs/FAIRNESS.md (docs/IDENTITY.md): without
// it a dim webcam frame of a face failed to match the same photo 46 times
// in 571 (10 of 82 for the Black group, 5 of 83 for the White), with it 15
// (3 and 1); normal light and different people barely change.
const (
	darkFace = 80
	litFace  = 110
	maxGain  = 4
)

func exposureGain(mean float64) float32 {
	if mean < 1 || mean >= darkFace {
		return 1
	}
	return float32(min(litFace/mean, maxGain))
}

// load copies the part of img the crop samples into an RGBA image (once,
// so the per-pixel loop reads bytes, whatever the image's own type), or
// returns nil when that part lies outside img.
func (al *aligner) load(img image.Image, s similarity) *image.RGBA {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{0, 0}, {Side - 1, 0}, {0, Side - 1}, {Side - 1, Side - 1}} {
		x, y := s.inverse(c[0], c[1])
		minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
	}
	r := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+2, int(math.Ceil(maxY))+2).
		Intersect(img.Bounds())
	if r.Empty() {
		return nil
	}
	if al.region == nil || cap(al.region.Pix) < 4*r.Dx()*r.Dy() {
		al.region = image.NewRGBA(r)
	}
	al.region.Pix, al.region.Stride, al.region.Rect = al.region.Pix[:4*r.Dx()*r.Dy()], 4*r.Dx(), r
	draw.Draw(al.region, r, img, r.Min, draw.Src)
	return al.region
}

// bilinear samples src at (x, y), black outside it, rounded to a byte.
func bilinear(src *image.RGBA, x, y float64) (r, g, b float32) {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	wx, wy := x-float64(x0), y-float64(y0)
	var acc [3]float64
	for _, t := range [4]struct {
		dx, dy int
		w      float64
	}{{0, 0, (1 - wx) * (1 - wy)}, {1, 0, wx * (1 - wy)}, {0, 1, (1 - wx) * wy}, {1, 1, wx * wy}} {
		px, py := x0+t.dx, y0+t.dy
		if t.w == 0 || !(image.Point{px, py}).In(src.Rect) {
			continue
		}
		p := src.Pix[src.PixOffset(px, py):]
		acc[0] += t.w * float64(p[0])
		acc[1] += t.w * float64(p[1])
		acc[2] += t.w * float64(p[2])
	}
	return float32(math.Round(acc[0])), float32(math.Round(acc[1])), float32(math.Round(acc[2]))
}
