// Package gaze estimates where a student looks from one decoded frame and
// the face YuNet found in it (package face): head yaw from the five
// landmarks, and the pupils' offset from the eye landmarks, found by a small
// pupil locator that works on the luma of each eye region.
//
// All quantities are in inter-ocular units (the distance between the two
// eye landmarks), so they do not depend on the face's size in the frame,
// and in image directions: positive X is towards the image's right (larger
// x), positive Y is down. A selfie-style camera that mirrors the picture
// flips what "the student's left" means; the signs here never do.
//
// Absolute values differ between people (landmark placement, eye shape,
// how the camera sits), so a caller should judge a student by the shift
// from that student's own baseline, not by a fixed absolute threshold: see
// MEASUREMENTS.md beside this file for what the shifts are on real frames.
//
// Estimate is a pure function: no I/O, no state, no allocation for the
// common image types (*image.YCbCr, *image.Gray, *image.RGBA,
// *image.NRGBA); it is safe for concurrent use.
package gaze

import (
	"image"
	"math"
	"reflect"

	"vigil/internal/analysis/face"
)

// Pose is what Estimate read from one face.
type Pose struct {
	// OK is true when the face and both eye regions were usable: finite,
	// distinct eye landmarks at least MinInterOcular pixels apart, and
	// both eye windows inside the image. When OK is false, GazeX, GazeY and
	// Pupils are zero; Yaw is still set if the landmark geometry was sound
	// (only an eye window was cut by the frame edge or the face was too
	// small for the pupils), and zero otherwise.
	OK bool
	// Yaw is the head's yaw: the nose tip's offset from the eye midpoint,
	// projected on the eye line (right eye → left eye of the subject, i.e.
	// image left → image right), divided by the inter-ocular distance.
	// Positive means the nose points towards the image's right. Near 0
	// for a frontal face (frontal faces of many people stay within ±0.26,
	// turns of 45° or more exceed 0.3: the models README, 640 input).
	Yaw float32
	// GazeX is the located pupils' mean offset from their eye landmarks
	// along the eye line, divided by the inter-ocular distance. Positive
	// means the pupils sit towards the image's right. Only meaningful
	// relative to the same person's baseline: the landmark does not sit on
	// the pupil, and where it sits differs between people.
	GazeX float32
	// GazeY is the same offset perpendicular to the eye line, positive
	// towards the mouth (down in an upright face).
	GazeY float32
	// Pupils is how many pupils were located (0–2). GazeX and GazeY are
	// the mean over those; with 0 they are 0.
	Pupils int
}

// Recommended use, measured on real frames in MEASUREMENTS.md, with
// landmarks from YuNet at 640x480 input (at 320x240 input the eye
// landmarks are too noisy for a looking-right glance to clear the noise).
// The gaze shift beyond which a frame counts as looking aside is the
// Facial Suspicion rule's default threshold, proctor.DefaultGazeShift: one
// number, kept with the rule that reads it.
const (
	// BaselineFrames is how many frames of the student looking at the
	// screen the baseline (their median GazeX) should take, at least.
	BaselineFrames = 5
)

// MinInterOcular is the smallest eye-landmark distance, in pixels, at which
// the pupils are looked for. Below it an iris is under four pixels across
// and its position is mostly noise.
const MinInterOcular = 20

// minYawInterOcular is the smallest eye-landmark distance, in pixels, at
// which Yaw is reported at all; below it the landmarks are a point.
const minYawInterOcular = 4

// The eye window is resampled on a grid aligned with the eye line, with a
// spacing proportional to the inter-ocular distance (iod), so the locator
// works the same at every face size and head roll. u runs along the eye
// line (towards the subject's left eye), v across it (towards the mouth).
const (
	cellSize = 0.02 // grid spacing, in iod; ~1 pixel for a 50-pixel iod
	gridW    = 31   // u from −0.30 to +0.30 iod: the eye's width and then some
	gridH    = 21   // v from −0.12 to +0.28 iod: the landmark sits on the upper lid or above
	landU    = 15   // grid column of the eye landmark
	landV    = 6    // grid row of the eye landmark

	// The iris is found as the darkest box of 9x7 cells (0.18 x 0.14 iod):
	// an iris is ~0.19 iod across and the lids cover part of it, while
	// lashes and lid creases are thin lines that a box this size averages
	// with the skin around them.
	irisRX = 4
	irisRY = 3
	// chordReach is how far (cells) either side of the iris the sclera or
	// eye corner is looked for when measuring the iris's extent.
	chordReach = 12
	// minContrast is how much darker, in luma levels, the iris box must be
	// than the bright part of the window (its 75th percentile) for a pupil
	// to count as located: closed eyes and dark frames have none.
	minContrast = 10
)

// Estimate reads the head yaw and the pupils' offsets of face f in img.
// f must be in img's coordinates, as face.Detector returns it. It never
// panics on bad input (nil or empty images, short pixel buffers, faces at
// the frame edge, degenerate or non-finite landmarks); it returns OK false.
func Estimate(img image.Image, f face.Face) Pose {
	var pose Pose
	re, le, nose := f.Landmarks[0], f.Landmarks[1], f.Landmarks[2]
	if !finite(re) || !finite(le) || !finite(nose) {
		return pose
	}
	dx, dy := float64(le.X-re.X), float64(le.Y-re.Y)
	iod := math.Hypot(dx, dy)
	if !(iod >= minYawInterOcular) || iod > 1e6 {
		return pose
	}
	ex, ey := float32(dx/iod), float32(dy/iod) // unit vector along the eye line
	mx, my := (re.X+le.X)/2, (re.Y+le.Y)/2
	pose.Yaw = ((nose.X-mx)*ex + (nose.Y-my)*ey) / float32(iod)
	if iod < MinInterOcular {
		return pose
	}
	src, ok := newLuma(img)
	if !ok {
		return pose
	}
	s := float32(iod) * cellSize // grid spacing in pixels
	var g eyeGrid
	var su, sv [2]float32
	var found [2]bool
	for i, c := range [2]face.Point{re, le} {
		if !g.sample(&src, c, ex, ey, s) {
			return pose
		}
		su[i], sv[i], found[i] = g.locate()
	}
	pose.OK = true
	var sx, sy float32
	for i := range found {
		if found[i] {
			sx += su[i]
			sy += sv[i]
			pose.Pupils++
		}
	}
	if pose.Pupils > 0 {
		pose.GazeX = sx / float32(pose.Pupils) * cellSize
		pose.GazeY = sy / float32(pose.Pupils) * cellSize
	}
	return pose
}

func finite(p face.Point) bool {
	x, y := float64(p.X), float64(p.Y)
	return !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0)
}

// luma reads BT.601 luma (what a JPEG's Y plane holds) directly from the
// common image types, and through At from any other.
type luma struct {
	img    image.Image // for bpp 0
	pix    []uint8
	stride int
	bpp    int // 1: a luma plane; 4: RGBA or NRGBA (alpha ignored); 0: img.At
	rect   image.Rectangle
}

func newLuma(img image.Image) (luma, bool) {
	if img == nil {
		return luma{}, false
	}
	// A typed nil pointer (e.g. (*image.YCbCr)(nil)) would panic in Bounds.
	if v := reflect.ValueOf(img); v.Kind() == reflect.Pointer && v.IsNil() {
		return luma{}, false
	}
	var l luma
	switch m := img.(type) {
	case *image.YCbCr:
		l = luma{pix: m.Y, stride: m.YStride, bpp: 1, rect: m.Rect}
	case *image.Gray:
		l = luma{pix: m.Pix, stride: m.Stride, bpp: 1, rect: m.Rect}
	case *image.RGBA:
		l = luma{pix: m.Pix, stride: m.Stride, bpp: 4, rect: m.Rect}
	case *image.NRGBA:
		l = luma{pix: m.Pix, stride: m.Stride, bpp: 4, rect: m.Rect}
	default:
		b := img.Bounds()
		return luma{img: img, rect: b}, !b.Empty()
	}
	r := l.rect
	if r.Empty() || l.stride < r.Dx()*l.bpp {
		return luma{}, false
	}
	// Every pixel of rect must be inside the buffer for direct indexing.
	end := (r.Dy()-1)*l.stride + r.Dx()*l.bpp
	if end < 0 || end > len(l.pix) {
		return luma{}, false
	}
	return l, true
}

// at returns the luma of pixel (x, y), which must be inside rect.
func (l *luma) at(x, y int) float32 {
	switch l.bpp {
	case 1:
		return float32(l.pix[(y-l.rect.Min.Y)*l.stride+x-l.rect.Min.X])
	case 4:
		i := (y-l.rect.Min.Y)*l.stride + (x-l.rect.Min.X)*4
		p := l.pix[i : i+3 : i+3]
		return 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
	}
	r, g, b, _ := l.img.At(x, y).RGBA()
	return (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) / 257
}

// bilinear samples luma at continuous position (x, y), where pixel (i, j)
// covers [i, i+1) x [j, j+1). The caller keeps (x, y) at least half a
// pixel inside rect.
func (l *luma) bilinear(x, y float32) float32 {
	x -= 0.5
	y -= 0.5
	fx, fy := float32(math.Floor(float64(x))), float32(math.Floor(float64(y)))
	ix, iy := int(fx), int(fy)
	ax, ay := x-fx, y-fy
	var p00, p10, p01, p11 float32
	if l.bpp == 1 {
		i := (iy-l.rect.Min.Y)*l.stride + ix - l.rect.Min.X
		dx, dy := 1, l.stride // to the next column and row; none past the edge
		if ix+1 >= l.rect.Max.X {
			dx = 0
		}
		if iy+1 >= l.rect.Max.Y {
			dy = 0
		}
		p00, p10 = float32(l.pix[i]), float32(l.pix[i+dx])
		p01, p11 = float32(l.pix[i+dy]), float32(l.pix[i+dy+dx])
	} else {
		ix1, iy1 := min(ix+1, l.rect.Max.X-1), min(iy+1, l.rect.Max.Y-1)
		p00, p10 = l.at(ix, iy), l.at(ix1, iy)
		p01, p11 = l.at(ix, iy1), l.at(ix1, iy1)
	}
	top := p00 + (p10-p00)*ax
	bot := p01 + (p11-p01)*ax
	return top + (bot-top)*ay
}

// eyeGrid is one eye's window, resampled.
type eyeGrid struct {
	v [gridW * gridH]float32
}

// sample fills the grid around eye landmark c, with the eye line along
// (ex, ey) and s pixels per cell. It returns false when the window is not
// entirely inside the image.
func (g *eyeGrid) sample(l *luma, c face.Point, ex, ey, s float32) bool {
	// The window is a rotated rectangle, inside the image when its four
	// corners are; half a cell of margin covers the subsamples.
	r := l.rect
	for _, cu := range [2]float32{-landU - 0.5, gridW - 1 - landU + 0.5} {
		for _, cv := range [2]float32{-landV - 0.5, gridH - 1 - landV + 0.5} {
			x := c.X + (cu*ex-cv*ey)*s
			y := c.Y + (cu*ey+cv*ex)*s
			if !(x >= float32(r.Min.X)+0.5 && x <= float32(r.Max.X)-0.5 &&
				y >= float32(r.Min.Y)+0.5 && y <= float32(r.Max.Y)-0.5) {
				return false
			}
		}
	}
	// Each cell is the mean of 2x2 bilinear samples a quarter cell from
	// its centre: light smoothing that also keeps large faces (cells of
	// several pixels) from aliasing.
	q := s / 4
	ax, ay := q*(ex-ey), q*(ey+ex) // a quarter cell along +u+v
	bx, by := q*(ex+ey), q*(ey-ex) // along +u−v
	for j := range gridH {
		cv := float32(j - landV)
		for i := range gridW {
			cu := float32(i - landU)
			x := c.X + (cu*ex-cv*ey)*s
			y := c.Y + (cu*ey+cv*ex)*s
			g.v[j*gridW+i] = (l.bilinear(x+ax, y+ay) + l.bilinear(x-ax, y-ay) +
				l.bilinear(x+bx, y+by) + l.bilinear(x-bx, y-by)) / 4
		}
	}
	return true
}

// locate finds the iris in the grid and returns its centre relative to the
// landmark, in cells. The darkest iris-sized box gives the iris's rough
// position and its row; the horizontal centre is then the midpoint of the
// iris's extent along that row band (iris/sclera edges are the sharpest
// features of an open eye), the vertical one a parabola through the box
// means.
func (g *eyeGrid) locate() (u, v float32, found bool) {
	const sw = gridW + 1
	var sat [sw * (gridH + 1)]float32 // summed-area table
	for j := range gridH {
		var row float32
		for i := range gridW {
			row += g.v[j*gridW+i]
			sat[(j+1)*sw+i+1] = sat[j*sw+i+1] + row
		}
	}
	const area = (2*irisRX + 1) * (2*irisRY + 1)
	var box [gridW * gridH]float32 // box means, by centre cell
	best, bi, bj := float32(math.MaxFloat32), -1, -1
	for j := irisRY; j < gridH-irisRY; j++ {
		for i := irisRX; i < gridW-irisRX; i++ {
			x0, y0, x1, y1 := i-irisRX, j-irisRY, i+irisRX+1, j+irisRY+1
			m := (sat[y1*sw+x1] - sat[y0*sw+x1] - sat[y1*sw+x0] + sat[y0*sw+x0]) / area
			box[j*gridW+i] = m
			if m < best {
				best, bi, bj = m, i, j
			}
		}
	}
	if bi < 0 || percentile75(&g.v)-best < minContrast {
		return 0, 0, false
	}
	fu := g.chordMid(bi, bj)
	fv := float32(bj)
	if bj > irisRY && bj < gridH-irisRY-1 {
		fv += parabola(box[(bj-1)*gridW+bi], best, box[(bj+1)*gridW+bi])
	}
	return fu - landU, fv - landV, true
}

// chordMid returns the column midway between the iris's two horizontal
// edges in rows bj±irisRY. Each edge is where the column profile of those
// rows crosses halfway from the darkest column near bi to the brightest
// column within chordReach on that side (sclera, or the eye corner when
// the eye looks far to that side). Without both edges it returns the
// darkest column.
func (g *eyeGrid) chordMid(bi, bj int) float32 {
	var prof [gridW]float32
	for i := range gridW {
		var s float32
		for j := bj - irisRY; j <= bj+irisRY; j++ {
			s += g.v[j*gridW+i]
		}
		prof[i] = s
	}
	c := bi
	for i := bi - irisRX; i <= bi+irisRX; i++ {
		if prof[i] < prof[c] {
			c = i
		}
	}
	l, okl := edge(&prof, c, -1)
	r, okr := edge(&prof, c, 1)
	if okl && okr {
		return (l + r) / 2
	}
	return float32(c)
}

// edge walks the profile from column c in direction dir (±1) and returns
// the sub-cell position where it first rises above halfway to the
// brightest column within chordReach.
func edge(prof *[gridW]float32, c, dir int) (float32, bool) {
	hi, hiAt := prof[c], c
	for i, n := c+dir, 1; i >= 0 && i < gridW && n <= chordReach; i, n = i+dir, n+1 {
		if prof[i] > hi {
			hi, hiAt = prof[i], i
		}
	}
	if hiAt == c {
		return 0, false
	}
	thr := (prof[c] + hi) / 2
	for i := c; i != hiAt; i += dir {
		a, b := prof[i], prof[i+dir]
		if a <= thr && b > thr {
			return float32(i) + float32(dir)*(thr-a)/(b-a), true
		}
	}
	return 0, false
}

// parabola returns the offset, clamped to ±0.5, of the vertex of the
// parabola through (−1, a), (0, b), (1, c), where b is the smallest.
func parabola(a, b, c float32) float32 {
	d := a - 2*b + c
	if d <= 0 {
		return 0
	}
	return max(-0.5, min(0.5, (a-c)/(2*d)))
}

// percentile75 returns the 75th percentile of the grid's luma, to within
// two levels, from a histogram: no sorting, no allocation.
func percentile75(vals *[gridW * gridH]float32) float32 {
	var hist [64]int
	for _, v := range vals {
		hist[min(63, max(0, int(v)>>2))]++
	}
	target := len(vals) * 3 / 4
	n := 0
	for i, c := range hist {
		n += c
		if n > target {
			return float32(i*4 + 2)
		}
	}
	return 254
}
