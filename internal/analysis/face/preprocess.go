package face

import (
	"fmt"
	"image"
	"math"
)

// checkImage rejects what would make pre-processing panic or waste memory:
// nil images (also typed nil pointers), empty or huge bounds, and the
// common concrete types whose pixel buffers are shorter than their bounds.
func checkImage(img image.Image) error {
	if isNil(img) {
		return fmt.Errorf("%w: nil image", ErrBadImage)
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return fmt.Errorf("%w: empty bounds %v", ErrBadImage, b)
	}
	if b.Dx() > MaxImageSide || b.Dy() > MaxImageSide {
		return fmt.Errorf("%w: %dx%d exceeds %d pixels per side", ErrBadImage, b.Dx(), b.Dy(), MaxImageSide)
	}
	if !buffersCover(img) {
		return fmt.Errorf("%w: pixel buffer smaller than bounds %v", ErrBadImage, b)
	}
	return nil
}

func isNil(img image.Image) bool {
	switch m := img.(type) {
	case nil:
		return true
	case *image.YCbCr:
		return m == nil
	case *image.RGBA:
		return m == nil
	case *image.NRGBA:
		return m == nil
	case *image.Gray:
		return m == nil
	}
	return false
}

// buffersCover reports whether the fast paths may index the last pixel.
func buffersCover(img image.Image) bool {
	switch m := img.(type) {
	case *image.YCbCr:
		last := image.Pt(m.Rect.Max.X-1, m.Rect.Max.Y-1)
		return m.YStride > 0 && m.CStride > 0 &&
			m.YOffset(last.X, last.Y) < len(m.Y) &&
			m.COffset(last.X, last.Y) < min(len(m.Cb), len(m.Cr))
	case *image.RGBA:
		return m.Stride > 0 && m.PixOffset(m.Rect.Max.X-1, m.Rect.Max.Y-1)+3 < len(m.Pix)
	case *image.NRGBA:
		return m.Stride > 0 && m.PixOffset(m.Rect.Max.X-1, m.Rect.Max.Y-1)+3 < len(m.Pix)
	case *image.Gray:
		return m.Stride > 0 && m.PixOffset(m.Rect.Max.X-1, m.Rect.Max.Y-1) < len(m.Pix)
	}
	return true
}

// chromaShift holds log2 of the horizontal and vertical chroma subsampling.
// Shifts rather than divisions keep the per-pixel loop cheap; they equal
// image.YCbCr's own divisions because ycbcrFast requires a non-negative origin.
type chromaShift struct{ x, y uint }

// ycbcrFast reports whether m can take the direct conversion path, and with
// which chroma shifts.
func ycbcrFast(m *image.YCbCr) (chromaShift, bool) {
	if m.Rect.Min.X < 0 || m.Rect.Min.Y < 0 {
		return chromaShift{}, false
	}
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		return chromaShift{0, 0}, true
	case image.YCbCrSubsampleRatio422:
		return chromaShift{1, 0}, true
	case image.YCbCrSubsampleRatio420:
		return chromaShift{1, 1}, true
	case image.YCbCrSubsampleRatio440:
		return chromaShift{0, 1}, true
	case image.YCbCrSubsampleRatio411:
		return chromaShift{2, 0}, true
	case image.YCbCrSubsampleRatio410:
		return chromaShift{2, 1}, true
	}
	return chromaShift{}, false
}

// resampler writes a frame into the planar BGR input tensor, resizing it
// bilinearly (half-pixel centres, like OpenCV's INTER_LINEAR) when its size
// differs from the network input. Source rows are converted to BGR once
// into two reusable row buffers, so a call allocates nothing once the
// buffers have grown to the frame width.
type resampler struct {
	x0, x1 []int32   // per output column: left/right source column
	wx     []float32 // per output column: weight of the right column
	rows   [2][]float32
	rowY   [2]int // source row held by rows[i], -1 for none
}

// fill writes img, resized to inW x inH, into the top-left of the
// [3][padH][padW] tensor data dst.
func (r *resampler) fill(img image.Image, dst []float32, inW, inH, padW, padH int) {
	b := img.Bounds()
	srcW, srcH := b.Dx(), b.Dy()
	r.prepare(srcW, inW)
	plane := padW * padH
	bPl, gPl, rPl := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	scaleY := float32(srcH) / float32(inH)
	for dy := range inH {
		y0, y1, wy := sourcePair(dy, scaleY, srcH)
		top := r.row(img, y0)
		bot := r.row(img, y1)
		off := dy * padW
		r.blendRow(top, bot, wy, bPl[off:off+inW], gPl[off:off+inW], rPl[off:off+inW])
	}
}

// prepare sizes the buffers and computes the column tables for a frame srcW
// pixels wide; it allocates only when the frame is wider than any before.
func (r *resampler) prepare(srcW, inW int) {
	if cap(r.x0) < inW {
		r.x0, r.x1, r.wx = make([]int32, inW), make([]int32, inW), make([]float32, inW)
	}
	r.x0, r.x1, r.wx = r.x0[:inW], r.x1[:inW], r.wx[:inW]
	scaleX := float32(srcW) / float32(inW)
	for dx := range inW {
		x0, x1, w := sourcePair(dx, scaleX, srcW)
		r.x0[dx], r.x1[dx], r.wx[dx] = int32(3*x0), int32(3*x1), w
	}
	for i := range r.rows {
		if cap(r.rows[i]) < 3*srcW {
			r.rows[i] = make([]float32, 3*srcW)
		}
		r.rows[i] = r.rows[i][:3*srcW]
		r.rowY[i] = -1 // a new frame: nothing cached is valid
	}
}

// sourcePair maps output index d to the two source indices around its
// centre and the weight of the second, clamping at the edges.
func sourcePair(d int, scale float32, n int) (i0, i1 int, w float32) {
	s := (float32(d)+0.5)*scale - 0.5
	if s <= 0 {
		return 0, 0, 0
	}
	i0 = int(s)
	if i0 >= n-1 {
		return n - 1, n - 1, 0
	}
	return i0, i0 + 1, s - float32(i0)
}

// row returns source row y (0-based within the bounds) as interleaved BGR.
// Rows y and y+1 always differ in parity, so slot y&1 holds row y without
// ever evicting the other row of the pair being blended.
func (r *resampler) row(img image.Image, y int) []float32 {
	s := y & 1
	if r.rowY[s] != y {
		loadRow(img, y, r.rows[s])
		r.rowY[s] = y
	}
	return r.rows[s]
}

func (r *resampler) blendRow(top, bot []float32, wy float32, bOut, gOut, rOut []float32) {
	for dx := range bOut {
		a, c, wx := r.x0[dx], r.x1[dx], r.wx[dx]
		bOut[dx] = bilerp(top[a], top[c], bot[a], bot[c], wx, wy)
		gOut[dx] = bilerp(top[a+1], top[c+1], bot[a+1], bot[c+1], wx, wy)
		rOut[dx] = bilerp(top[a+2], top[c+2], bot[a+2], bot[c+2], wx, wy)
	}
}

func bilerp(tl, tr, bl, br, wx, wy float32) float32 {
	t := tl + (tr-tl)*wx
	b := bl + (br-bl)*wx
	return t + (b-t)*wy
}

// loadRow converts source row y (0-based within the bounds) of img to
// interleaved B,G,R float32 values in 0..255.
func loadRow(img image.Image, y int, dst []float32) {
	switch m := img.(type) {
	case *image.YCbCr:
		if sh, ok := ycbcrFast(m); ok {
			loadYCbCrRow(m, sh, y, dst)
			return
		}
	case *image.RGBA:
		loadRGBRow(m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):], dst)
		return
	case *image.NRGBA:
		// Alpha is ignored: camera frames are opaque.
		loadRGBRow(m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):], dst)
		return
	case *image.Gray:
		loadGrayRow(m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):], dst)
		return
	}
	loadGenericRow(img, y, dst)
}

func loadYCbCrRow(m *image.YCbCr, sh chromaShift, y int, dst []float32) {
	minX, minY := m.Rect.Min.X, m.Rect.Min.Y
	n := len(dst) / 3
	yRow := m.Y[y*m.YStride:][:n]
	cOff := ((minY+y)>>sh.y - minY>>sh.y) * m.CStride
	cb, cr := m.Cb[cOff:], m.Cr[cOff:]
	cMin := minX >> sh.x
	for x, l := range yRow {
		ci := (minX+x)>>sh.x - cMin
		u, v := cb[ci], cr[ci]
		// Written out rather than a helper: the compiler will not inline
		// a three-output conversion into this loop, and the call doubled its cost.
		y16 := int32(l)<<16 + 1<<15 // + 0.5 rounds to nearest
		px := dst[3*x : 3*x+3 : 3*x+3]
		px[0] = clampU8((y16 + cbToB[u]) >> 16)
		px[1] = clampU8((y16 + cbToG[u] + crToG[v]) >> 16)
		px[2] = clampU8((y16 + crToR[v]) >> 16)
	}
}

// Chroma contributions of the JFIF (full-range BT.601) YCbCr->RGB
// conversion that image/jpeg frames use, in 16.16 fixed point. Tables and
// integer maths make the per-pixel work a few loads and adds; the float
// version with clamping cost about three times as much.
var crToR, cbToB, cbToG, crToG [256]int32

func init() {
	const one = 1 << 16
	for i := range 256 {
		c := float64(i - 128)
		crToR[i] = int32(math.Round(1.402 * c * one))
		cbToB[i] = int32(math.Round(1.772 * c * one))
		cbToG[i] = int32(math.Round(-0.344136 * c * one))
		crToG[i] = int32(math.Round(-0.714136 * c * one))
	}
}

// clampU8 limits v to 0..255; the single unsigned compare is almost never
// taken on real frames.
func clampU8(v int32) float32 {
	if uint32(v) > 255 {
		v = (^v >> 31) & 255 // negative -> 0, too large -> 255
	}
	return float32(v)
}

func loadRGBRow(pix []uint8, dst []float32) {
	n := len(dst) / 3
	pix = pix[:4*n]
	for x := range n {
		p := pix[4*x : 4*x+3 : 4*x+3]
		dst[3*x], dst[3*x+1], dst[3*x+2] = float32(p[2]), float32(p[1]), float32(p[0])
	}
}

func loadGrayRow(pix []uint8, dst []float32) {
	n := len(dst) / 3
	pix = pix[:n]
	for x, v := range pix {
		f := float32(v)
		dst[3*x], dst[3*x+1], dst[3*x+2] = f, f, f
	}
}

// loadGenericRow serves any other image type through At, which is slow and
// may allocate, but keeps Detect usable with every image.Image.
func loadGenericRow(img image.Image, y int, dst []float32) {
	b := img.Bounds()
	for x := range len(dst) / 3 {
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		dst[3*x], dst[3*x+1], dst[3*x+2] = float32(bl>>8), float32(g>>8), float32(r>>8)
	}
}
