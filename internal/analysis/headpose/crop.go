package headpose

import (
	"image"
	"math"
)

// cropper resizes a square region of a frame to the network's input, the
// way 3DDFA_V2 prepares it with OpenCV: the region is copied into a square
// (black where it leaves the frame), resized bilinearly with half-pixel
// centres and the square's edge clamped, rounded to 8 bits, then
// normalised. It keeps its tap tables between calls.
type cropper struct {
	taps [Side]tap // column and row taps are the same for a square
	size int       // region side the taps were computed for
}

// tap is where one output pixel reads along one axis: positions i0 and i1
// inside the region (0..size-1) and the weight of i1.
type tap struct {
	i0, i1 int
	w      float32
}

func (c *cropper) prepare(size int) {
	if c.size == size {
		return
	}
	c.size = size
	scale := float64(size) / Side
	for o := range Side {
		s := (float64(o)+0.5)*scale - 0.5
		i0 := int(math.Floor(s))
		w := float32(s - float64(i0))
		i1 := i0 + 1
		if i0 < 0 {
			i0, w = 0, 0
		}
		i0, i1 = min(i0, size-1), min(max(i1, 0), size-1)
		c.taps[o] = tap{i0, i1, w}
	}
}

// fill writes the network input for region roi of img into dst
// ([3][Side][Side], B,G,R, normalised).
func (c *cropper) fill(img image.Image, roi image.Rectangle, dst []float32) {
	c.prepare(roi.Dx())
	if m, ok := img.(*image.YCbCr); ok && chromaLayout(m) {
		c.fillYCbCr(m, roi, dst)
		return
	}
	c.fillGeneric(img, roi, dst)
}

// chromaLayout reports whether COffset's arithmetic is the one fillYCbCr
// assumes (every layout image/jpeg produces).
func chromaLayout(m *image.YCbCr) bool {
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440:
		return true
	}
	return false
}

// fillYCbCr interpolates luma and chroma separately and converts each
// output pixel once: the conversion to RGB is affine, so this equals
// converting first and interpolating after, except where a channel clips.
// Outside the frame reads as black (Y 0, chroma 128).
func (c *cropper) fillYCbCr(m *image.YCbCr, roi image.Rectangle, dst []float32) {
	const plane = Side * Side
	bp, gp, rp := dst[:plane:plane], dst[plane:2*plane:2*plane], dst[2*plane:3*plane:3*plane]
	b := m.Rect
	var ycol, ccol [Side][2]int // offsets within a row, −1 outside the frame
	for o, t := range c.taps {
		for k, i := range [2]int{t.i0, t.i1} {
			x := roi.Min.X + i
			ycol[o][k], ccol[o][k] = -1, -1
			if x >= b.Min.X && x < b.Max.X {
				ycol[o][k] = m.YOffset(x, b.Min.Y) - m.YOffset(b.Min.X, b.Min.Y)
				ccol[o][k] = m.COffset(x, b.Min.Y) - m.COffset(b.Min.X, b.Min.Y)
			}
		}
	}
	for oy, ty := range c.taps {
		var yrow, crow [2]int
		var in [2]bool
		for k, i := range [2]int{ty.i0, ty.i1} {
			y := roi.Min.Y + i
			in[k] = y >= b.Min.Y && y < b.Max.Y
			if in[k] {
				yrow[k], crow[k] = m.YOffset(b.Min.X, y), m.COffset(b.Min.X, y)
			}
		}
		for ox, tx := range c.taps {
			var yv, cbv, crv [2][2]float32
			for ky := range 2 {
				for kx := range 2 {
					yv[ky][kx], cbv[ky][kx], crv[ky][kx] = 0, 128, 128
					if in[ky] && ycol[ox][kx] >= 0 {
						yv[ky][kx] = float32(m.Y[yrow[ky]+ycol[ox][kx]])
						ci := crow[ky] + ccol[ox][kx]
						cbv[ky][kx], crv[ky][kx] = float32(m.Cb[ci]), float32(m.Cr[ci])
					}
				}
			}
			yy := lerp2(yv[0][0], yv[0][1], yv[1][0], yv[1][1], tx.w, ty.w)
			cb := lerp2(cbv[0][0], cbv[0][1], cbv[1][0], cbv[1][1], tx.w, ty.w) - 128
			cr := lerp2(crv[0][0], crv[0][1], crv[1][0], crv[1][1], tx.w, ty.w) - 128
			i := oy*Side + ox
			rp[i] = norm(yy + 1.402*cr)
			gp[i] = norm(yy - 0.344136*cb - 0.714136*cr)
			bp[i] = norm(yy + 1.772*cb)
		}
	}
}

// fillGeneric reads any image through At, one source pixel per tap.
func (c *cropper) fillGeneric(img image.Image, roi image.Rectangle, dst []float32) {
	const plane = Side * Side
	bp, gp, rp := dst[:plane:plane], dst[plane:2*plane:2*plane], dst[2*plane:3*plane:3*plane]
	b := img.Bounds()
	px := func(x, y int) (r, g, bl float32) {
		if x < b.Min.X || y < b.Min.Y || x >= b.Max.X || y >= b.Max.Y {
			return 0, 0, 0
		}
		r32, g32, b32, _ := img.At(x, y).RGBA()
		return float32(r32 >> 8), float32(g32 >> 8), float32(b32 >> 8)
	}
	for oy, ty := range c.taps {
		y0, y1 := roi.Min.Y+ty.i0, roi.Min.Y+ty.i1
		for ox, tx := range c.taps {
			x0, x1 := roi.Min.X+tx.i0, roi.Min.X+tx.i1
			r00, g00, b00 := px(x0, y0)
			r01, g01, b01 := px(x1, y0)
			r10, g10, b10 := px(x0, y1)
			r11, g11, b11 := px(x1, y1)
			i := oy*Side + ox
			rp[i] = norm(lerp2(r00, r01, r10, r11, tx.w, ty.w))
			gp[i] = norm(lerp2(g00, g01, g10, g11, tx.w, ty.w))
			bp[i] = norm(lerp2(b00, b01, b10, b11, tx.w, ty.w))
		}
	}
}

func lerp2(a, b, c, d, wx, wy float32) float32 {
	top := a + (b-a)*wx
	bot := c + (d-c)*wx
	return top + (bot-top)*wy
}

// norm rounds to 8 bits, as OpenCV's resize of a uint8 image does, and
// normalises.
func norm(v float32) float32 {
	return (float32(int32(min(max(v, 0), 255)+0.5)) - inputMean) * inputScale
}
