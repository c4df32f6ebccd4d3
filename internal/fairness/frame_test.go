package fairness

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	"vigil/internal/analysis/face"
)

func TestFade(t *testing.T) {
	cases := []struct{ t, want float64 }{
		{-0.1, 0}, {0, 0}, {FadeFrac / 2, 0.5}, {FadeFrac, 1}, {0.5, 1},
		{1 - FadeFrac, 1}, {1 - FadeFrac/2, 0.5}, {1, 0}, {1.2, 0},
		{FadeFrac / 4, 0.5 - 0.5*math.Cos(math.Pi/4)},
	}
	for _, c := range cases {
		if got := Fade(c.t); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Fade(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	// Monotonic up to FadeFrac.
	prev := 0.0
	for i := 1; i <= 100; i++ {
		v := Fade(FadeFrac * float64(i) / 100)
		if v < prev {
			t.Fatalf("Fade decreases at %d%% of the ramp", i)
		}
		prev = v
	}
}

var faceColour = color.RGBA{200, 40, 40, 255}

// testLayout puts a 192-pixel crop at (320, 216): x 224–416, y 120–312.
var testLayout = Layout{Side: 0.4, CX: 0.5, CY: 0.45, Noise: 1}

func composed(t *testing.T, face image.Image, l Layout) *Synth {
	t.Helper()
	s := NewSynth()
	if err := s.Compose(face, l); err != nil {
		t.Fatal(err)
	}
	return s
}

func rgbAt(img *image.RGBA, x, y int) (r, g, b float64) {
	c := img.RGBAAt(x, y)
	return float64(c.R), float64(c.G), float64(c.B)
}

func TestSynthSizesAndTruth(t *testing.T) {
	s := composed(t, uniform(200, 200, faceColour), testLayout)
	for _, w := range Sizes {
		for _, l := range []Light{Normal, Dim} {
			img, tr := s.Frame(w, l)
			if got := img.Bounds(); got != image.Rect(0, 0, w, w*3/4) {
				t.Errorf("%d %s: bounds %v", w, l, got)
			}
			k := float64(w) / FrameW
			want := Truth{CX: 320 * k, CY: 216 * k, Side: 192 * k}
			if math.Abs(tr.CX-want.CX) > 1e-9 || math.Abs(tr.CY-want.CY) > 1e-9 || math.Abs(tr.Side-want.Side) > 1e-9 {
				t.Errorf("%d %s: truth %+v, want %+v", w, l, tr, want)
			}
		}
	}
}

func TestSynthWallAndFade(t *testing.T) {
	s := composed(t, uniform(200, 200, faceColour), testLayout)
	img, _ := s.Frame(640, Normal)

	// The wall: grey, luma 150 at the top and 110 at the bottom, σ 3.
	for _, c := range []struct {
		y    int
		want float64
	}{{0, WallTop}, {FrameH - 1, WallBottom}} {
		var sum, sq float64
		for x := range FrameW {
			r, g, b := rgbAt(img, x, c.y)
			if r != g || g != b {
				t.Fatalf("wall pixel (%d,%d) not grey: %v %v %v", x, c.y, r, g, b)
			}
			sum += r
			sq += r * r
		}
		mean := sum / FrameW
		sd := math.Sqrt(sq/FrameW - mean*mean)
		if math.Abs(mean-c.want) > 0.6 || math.Abs(sd-WallNoise) > 0.4 {
			t.Errorf("row %d: mean %.2f sd %.2f, want %v and %v", c.y, mean, sd, c.want, WallNoise)
		}
	}

	// The opacity: the same layout (so the same wall noise) with a white
	// and a black face differ by exactly opacity x 255, up to rounding.
	white := composed(t, uniform(200, 200, color.RGBA{255, 255, 255, 255}), testLayout)
	black := composed(t, uniform(200, 200, color.RGBA{0, 0, 0, 255}), testLayout)
	wf, _ := white.Frame(640, Normal)
	bf, _ := black.Frame(640, Normal)
	const x0, y0, side = 224.0, 120.0, 192.0 // the crop of testLayout
	for _, p := range []image.Point{
		{200, 216}, {223, 216}, {224, 216}, {227, 216}, {230, 216}, {235, 216}, {240, 216}, {246, 216}, {247, 216},
		{320, 216}, {410, 216}, {415, 216}, {416, 216}, {320, 121}, {320, 130}, {320, 305}, {230, 126}, {226, 310},
	} {
		want := Fade((float64(p.X)+0.5-x0)/side) * Fade((float64(p.Y)+0.5-y0)/side)
		for c := range 3 {
			i := wf.PixOffset(p.X, p.Y) + c
			got := (float64(wf.Pix[i]) - float64(bf.Pix[i])) / 255
			if math.Abs(got-want) > 1.01/255 {
				t.Errorf("%v ch %d: opacity %.4f, want %.4f", p, c, got, want)
			}
		}
	}
	// Stated without Fade: 6.5 px into the 23-px margin, a raised cosine
	// gives 0.184 (a linear ramp would give 0.282).
	if got := float64(int(wf.Pix[wf.PixOffset(230, 216)])-int(bf.Pix[bf.PixOffset(230, 216)])) / 255; math.Abs(got-0.1839) > 0.005 {
		t.Errorf("opacity at (230, 216): %.4f, want 0.184", got)
	}
	// Inside the fade margin on both axes the face is exact.
	for _, p := range []image.Point{{320, 216}, {248, 144}, {392, 288}} {
		if c := img.RGBAAt(p.X, p.Y); c != faceColour {
			t.Errorf("%v: %v, want the face %v", p, c, faceColour)
		}
	}
}

func TestSynthDimAndHalf(t *testing.T) {
	s := composed(t, uniform(200, 200, faceColour), testLayout)
	normal, _ := s.Frame(640, Normal)
	dim, _ := s.Frame(640, Dim)
	var sumN, sumD float64
	for i := 0; i < len(normal.Pix); i += 4 {
		for c := range 3 {
			n, d := float64(normal.Pix[i+c]), float64(dim.Pix[i+c])
			if math.Abs(d-DimFactor*n) > 0.68 {
				t.Fatalf("byte %d: dim %v, normal %v x %.2f = %.2f", i+c, d, n, DimFactor, DimFactor*n)
			}
			sumN += n
			sumD += d
		}
	}
	if ratio := sumD / sumN; math.Abs(ratio-DimFactor) > 0.002 {
		t.Errorf("dim/normal mean %.4f, want %.2f", ratio, DimFactor)
	}

	// 320x240 is the 640x480 frame averaged over 2x2 blocks.
	for _, l := range []Light{Normal, Dim} {
		big, _ := s.Frame(640, l)
		small, _ := s.Frame(320, l)
		for y := range 240 {
			for x := range 320 {
				for c := range 3 {
					var sum float64
					for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
						sum += float64(big.Pix[big.PixOffset(2*x+d[0], 2*y+d[1])+c])
					}
					got := float64(small.Pix[small.PixOffset(x, y)+c])
					if math.Abs(got-sum/4) > 1 {
						t.Fatalf("%s (%d,%d) ch %d: %v, 2x2 mean %v", l, x, y, c, got, sum/4)
					}
				}
			}
		}
	}
}

func TestSynthDeterminism(t *testing.T) {
	face := uniform(200, 200, faceColour)
	a, b := composed(t, face, testLayout), composed(t, face, testLayout)
	other := testLayout
	other.Noise = 2
	c := composed(t, face, other)
	for _, w := range Sizes {
		for _, l := range []Light{Normal, Dim} {
			fa, _ := a.Frame(w, l)
			fb, _ := b.Frame(w, l)
			fc, _ := c.Frame(w, l)
			if !bytes.Equal(fa.Pix, fb.Pix) {
				t.Errorf("%d %s: same layout, different frames", w, l)
			}
			if bytes.Equal(fa.Pix, fc.Pix) {
				t.Errorf("%d %s: another noise seed, same frame", w, l)
			}
		}
	}
	// A Synth reused for another face, then the first again, repeats itself.
	s := composed(t, uniform(120, 150, color.RGBA{10, 200, 90, 255}), Layout{Side: 0.5, CX: 0.6, CY: 0.4, Noise: 9})
	if err := s.Compose(face, testLayout); err != nil {
		t.Fatal(err)
	}
	fa, _ := a.Frame(640, Dim)
	fs, _ := s.Frame(640, Dim)
	if !bytes.Equal(fa.Pix, fs.Pix) {
		t.Error("a reused Synth differs from a fresh one")
	}
}

// TestSynthImageTypes checks that a JPEG-decoded (YCbCr) face and the same
// face as RGBA give the same frame.
func TestSynthImageTypes(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			src.SetRGBA(x, y, color.RGBA{uint8(4 * x), uint8(4 * y), uint8(2 * (x + y)), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dec.(*image.YCbCr); !ok {
		t.Fatalf("decoded %T, want *image.YCbCr", dec)
	}
	rgba := image.NewRGBA(dec.Bounds())
	for y := range 64 {
		for x := range 64 {
			rgba.Set(x, y, dec.At(x, y))
		}
	}
	a, b := composed(t, dec, testLayout), composed(t, rgba, testLayout)
	fa, _ := a.Frame(640, Normal)
	fb, _ := b.Frame(640, Normal)
	for i := range fa.Pix {
		if d := int(fa.Pix[i]) - int(fb.Pix[i]); d > 1 || d < -1 {
			t.Fatalf("byte %d: YCbCr %d, RGBA %d", i, fa.Pix[i], fb.Pix[i])
		}
	}
	if err := NewSynth().Compose(uniform(1, 1, faceColour), testLayout); err == nil {
		t.Error("a 1x1 face: no error")
	}
}

func TestMatches(t *testing.T) {
	tr := Truth{CX: 320, CY: 216, Side: 200}
	box := func(cx, cy, w, h float32) faceBox { return faceBox{cx - w/2, cy - h/2, w, h} }
	cases := []struct {
		name string
		b    faceBox
		want bool
	}{
		{"exact", box(320, 216, 200, 200), true},
		{"typical face box inside the crop", box(320, 230, 120, 150), true},
		{"centre 50 px off (a quarter of the side)", box(370, 216, 200, 200), true},
		{"centre 51 px off", box(371, 216, 200, 200), false},
		{"diagonal 36+36 (51 px)", box(356, 252, 200, 200), false},
		{"size exactly half", box(320, 216, 100, 100), true},
		{"size under half", box(320, 216, 99, 99), false},
		{"size exactly double", box(320, 216, 400, 400), true},
		{"size over double", box(320, 216, 402, 402), false},
		{"narrow but tall: geometric mean 100", box(320, 216, 50, 200), true},
		{"elsewhere", box(100, 100, 200, 200), false},
	}
	for _, c := range cases {
		if got := Matches(c.b.face(), tr); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWilson(t *testing.T) {
	// Reference values, found independently of the closed form by solving
	// (p̂ − p)² = z² p (1 − p) / n for p by bisection (z = 1.959964);
	// 0 of n and n of n have the closed ends z²/(n+z²) and n/(n+z²).
	cases := []struct {
		found, total int
		lo, hi       float64
	}{
		{5, 10, 0.236593, 0.763407},
		{1, 10, 0.017876, 0.404150},
		{0, 10, 0, 0.277533},
		{150, 150, 0.975030, 1},
		{149, 150, 0.963207, 0.998822},
		{0, 0, 0, 1},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.found, c.total)
		if math.Abs(lo-c.lo) > 1e-6 || math.Abs(hi-c.hi) > 1e-6 {
			t.Errorf("Wilson(%d, %d) = %.6f–%.6f, want %.6f–%.6f", c.found, c.total, lo, hi, c.lo, c.hi)
		}
	}
}

// faceBox is a detection box for the matching tests.
type faceBox struct{ x, y, w, h float32 }

func (b faceBox) face() face.Face { return face.Face{X: b.x, Y: b.y, W: b.w, H: b.h} }
