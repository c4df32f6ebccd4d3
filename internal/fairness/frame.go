package fairness

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// Frame synthesis constants of FAIRNESS.md.
const (
	// FrameW and FrameH are the full frame; the small frame is half of it
	// per side, made by averaging 2x2 blocks.
	FrameW, FrameH = 640, 480
	// WallTop and WallBottom are the wall's luma at the top and bottom rows
	// (a linear ramp), WallNoise the σ of its Gaussian noise.
	WallTop, WallBottom = 150, 110
	WallNoise           = 3
	// FadeFrac is the part of the crop's side, at every edge, faded into
	// the wall with a raised cosine.
	FadeFrac = 0.12
	// DimFactor multiplies every channel, hence the luma, in dim light.
	DimFactor = 0.35
)

// Light is the lighting of a frame.
type Light int

// Lights.
const (
	Normal Light = iota
	Dim
)

func (l Light) String() string {
	if l == Dim {
		return "dim"
	}
	return "normal"
}

// Sizes are the frame widths measured: 640x480 and 320x240.
var Sizes = [...]int{FrameW, FrameW / 2}

func sizeIndex(width int) int {
	if width == FrameW/2 {
		return 1
	}
	return 0
}

// Truth is where the face crop lies in a frame, in that frame's pixels.
type Truth struct {
	CX, CY, Side float64
}

// Synth composes the frames of one face at a time, reusing its buffers: a
// run holds one float canvas and four frames whatever the set's size. It is
// not safe for concurrent use.
type Synth struct {
	canvas []float32 // FrameW x FrameH x RGB, before quantisation
	small  []float32 // the 2x2-averaged canvas
	crop   []float32 // the face, RGB
	cw, ch int
	frames [2][2]*image.RGBA // [size index][light]
	layout Layout            // of the composed face
}

// NewSynth allocates the buffers.
func NewSynth() *Synth {
	s := &Synth{
		canvas: make([]float32, FrameW*FrameH*3),
		small:  make([]float32, FrameW*FrameH*3/4),
	}
	for i, w := range Sizes {
		for l := range s.frames[i] {
			s.frames[i][l] = image.NewRGBA(image.Rect(0, 0, w, w*FrameH/FrameW))
		}
	}
	return s
}

// Compose builds the four frames (two sizes, two lights) of face placed by
// layout. They stay valid until the next Compose.
func (s *Synth) Compose(face image.Image, layout Layout) error {
	b := face.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 {
		return fmt.Errorf("fairness: face image %v too small", b)
	}
	s.loadCrop(face)
	s.wall(layout.Noise)
	s.layout = layout
	t := truthFor(layout, FrameW)
	s.paste(t.CX-t.Side/2, t.CY-t.Side/2, t.Side)
	halve(s.canvas, s.small, FrameW, FrameH)
	quantize(s.canvas, s.frames[0][Normal], 1)
	quantize(s.canvas, s.frames[0][Dim], DimFactor)
	quantize(s.small, s.frames[1][Normal], 1)
	quantize(s.small, s.frames[1][Dim], DimFactor)
	return nil
}

// Frame returns the composed frame of the given width (640 or 320) and
// light, and where the face is in it.
func (s *Synth) Frame(width int, light Light) (*image.RGBA, Truth) {
	return s.frames[sizeIndex(width)][light], truthFor(s.layout, width)
}

// truthFor is where a face placed by l lies in its frame of the given width.
func truthFor(l Layout, width int) Truth {
	t := Truth{CX: l.CX * FrameW, CY: l.CY * FrameH, Side: l.Side * FrameH}
	if sizeIndex(width) == 1 {
		t = Truth{CX: t.CX / 2, CY: t.CY / 2, Side: t.Side / 2}
	}
	return t
}

// loadCrop converts the face to float RGB once, so the per-pixel paste
// reads plain slices.
func (s *Synth) loadCrop(face image.Image) {
	b := face.Bounds()
	s.cw, s.ch = b.Dx(), b.Dy()
	s.crop = floatRGB(face, s.crop)
}

// floatRGB writes img's pixels, row by row, as float RGB into buf (grown
// when too small) and returns it.
func floatRGB(img image.Image, buf []float32) []float32 {
	b := img.Bounds()
	n := b.Dx() * b.Dy() * 3
	if cap(buf) < n {
		buf = make([]float32, n)
	}
	buf = buf[:n]
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl uint8
			if m, ok := img.(*image.YCbCr); ok {
				c := m.YCbCrAt(x, y)
				r, g, bl = color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			} else {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				r, g, bl = c.R, c.G, c.B
			}
			buf[i], buf[i+1], buf[i+2] = float32(r), float32(g), float32(bl)
			i += 3
		}
	}
	return buf
}

// Dimmed returns img in the set's dim light: every channel times
// DimFactor, rounded as the dim frames of the set are.
func Dimmed(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	quantize(floatRGB(img, nil), dst, DimFactor)
	return dst
}

// wall paints the grey ramp with Gaussian noise (the same value in every
// channel: a luma noise).
func (s *Synth) wall(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x3a11))
	for y := range FrameH {
		l := WallTop + float64(WallBottom-WallTop)*float64(y)/float64(FrameH-1)
		row := s.canvas[y*FrameW*3 : (y+1)*FrameW*3]
		for x := 0; x < len(row); x += 3 {
			v := float32(l + WallNoise*rng.NormFloat64())
			row[x], row[x+1], row[x+2] = v, v, v
		}
	}
}

// paste blends the crop, resized bilinearly to side x side with its top
// left at (x0, y0), into the canvas, its outer FadeFrac faded out.
func (s *Synth) paste(x0, y0, side float64) {
	px0, px1 := max(0, int(math.Floor(x0))), min(FrameW, int(math.Ceil(x0+side)))
	py0, py1 := max(0, int(math.Floor(y0))), min(FrameH, int(math.Ceil(y0+side)))
	for py := py0; py < py1; py++ {
		ty := (float64(py) + 0.5 - y0) / side
		wy := Fade(ty)
		if wy == 0 {
			continue
		}
		for px := px0; px < px1; px++ {
			tx := (float64(px) + 0.5 - x0) / side
			a := float32(wy * Fade(tx))
			if a == 0 {
				continue
			}
			r, g, b := s.sample(tx*float64(s.cw)-0.5, ty*float64(s.ch)-0.5)
			o := (py*FrameW + px) * 3
			c := s.canvas[o : o+3 : o+3]
			c[0] += a * (r - c[0])
			c[1] += a * (g - c[1])
			c[2] += a * (b - c[2])
		}
	}
}

// sample reads the crop bilinearly at (u, v), clamping at the edges.
func (s *Synth) sample(u, v float64) (r, g, b float32) {
	u = min(max(u, 0), float64(s.cw-1))
	v = min(max(v, 0), float64(s.ch-1))
	x0, y0 := int(u), int(v)
	x1, y1 := min(x0+1, s.cw-1), min(y0+1, s.ch-1)
	fx, fy := float32(u-float64(x0)), float32(v-float64(y0))
	at := func(x, y, c int) float32 { return s.crop[(y*s.cw+x)*3+c] }
	lerp := func(c int) float32 {
		t := at(x0, y0, c) + (at(x1, y0, c)-at(x0, y0, c))*fx
		bt := at(x0, y1, c) + (at(x1, y1, c)-at(x0, y1, c))*fx
		return t + (bt-t)*fy
	}
	return lerp(0), lerp(1), lerp(2)
}

// Fade is the crop's opacity at relative position t (0 and 1 are its
// edges): a raised cosine from 0 to 1 over the outer FadeFrac, 1 inside,
// 0 outside the crop.
func Fade(t float64) float64 {
	if t <= 0 || t >= 1 {
		return 0
	}
	d := min(t, 1-t)
	if d >= FadeFrac {
		return 1
	}
	return 0.5 - 0.5*math.Cos(math.Pi*d/FadeFrac)
}

// halve averages 2x2 blocks of the w x h RGB canvas src into dst.
func halve(src, dst []float32, w, h int) {
	hw := w / 2
	for y := range h / 2 {
		r0 := src[2*y*w*3:]
		r1 := src[(2*y+1)*w*3:]
		out := dst[y*hw*3:]
		for x := range hw {
			for c := range 3 {
				i := 2*x*3 + c
				out[x*3+c] = (r0[i] + r0[i+3] + r1[i] + r1[i+3]) / 4
			}
		}
	}
}

// quantize writes src scaled by gain into the opaque RGBA frame dst.
func quantize(src []float32, dst *image.RGBA, gain float32) {
	n := dst.Rect.Dx() * dst.Rect.Dy()
	pix := dst.Pix[:4*n]
	for i := range n {
		p := pix[4*i : 4*i+4 : 4*i+4]
		p[0] = toU8(src[3*i] * gain)
		p[1] = toU8(src[3*i+1] * gain)
		p[2] = toU8(src[3*i+2] * gain)
		p[3] = 255
	}
}

func toU8(v float32) uint8 {
	return uint8(min(max(v+0.5, 0), 255))
}
