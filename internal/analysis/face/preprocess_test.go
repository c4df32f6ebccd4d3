package face

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestLoadRowMatchesStdlib checks the fixed-point YCbCr conversion against
// image/color on random pixels, for every subsampling with a fast path and
// an odd origin.
func TestLoadRowMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		full := image.NewYCbCr(image.Rect(0, 0, 37, 11), ratio)
		for _, p := range [][]uint8{full.Y, full.Cb, full.Cr} {
			for i := range p {
				p[i] = uint8(rng.IntN(256))
			}
		}
		m := full.SubImage(image.Rect(3, 1, 37, 11)).(*image.YCbCr)
		row := make([]float32, 3*m.Rect.Dx())
		for y := range m.Rect.Dy() {
			loadRow(m, y, row)
			for x := range m.Rect.Dx() {
				c := m.YCbCrAt(m.Rect.Min.X+x, m.Rect.Min.Y+y)
				r, g, b := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
				want := [3]float32{float32(b), float32(g), float32(r)}
				for ch := range 3 {
					if d := row[3*x+ch] - want[ch]; d > 1 || d < -1 {
						t.Fatalf("%v (%d,%d) ch %d: %v, stdlib %v", ratio, x, y, ch, row[3*x:3*x+3], want)
					}
				}
			}
		}
	}
}

// TestResampleHalvesAndKeeps checks the bilinear resize on known input: a
// same-size fill copies pixels, and a 2x downscale averages 2x2 blocks.
func TestResampleHalvesAndKeeps(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 8, 4))
	for i := range src.Pix {
		src.Pix[i] = uint8(10 * i)
	}
	var r resampler
	const padW, padH = 32, 32
	dst := make([]float32, 3*padW*padH)

	r.fill(src, dst, 8, 4, padW, padH)
	for y := range 4 {
		for x := range 8 {
			if got, want := dst[y*padW+x], float32(src.Pix[y*8+x]); got != want {
				t.Fatalf("copy (%d,%d): %v, want %v", x, y, got, want)
			}
		}
	}

	clear(dst)
	r.fill(src, dst, 4, 2, padW, padH)
	for y := range 2 {
		for x := range 4 {
			p := func(xx, yy int) float32 { return float32(src.Pix[yy*8+xx]) }
			want := (p(2*x, 2*y) + p(2*x+1, 2*y) + p(2*x, 2*y+1) + p(2*x+1, 2*y+1)) / 4
			for ch := range 3 {
				if got := dst[ch*padW*padH+y*padW+x]; got != want {
					t.Fatalf("half ch %d (%d,%d): %v, want %v", ch, x, y, got, want)
				}
			}
		}
	}
	if dst[4] != 0 || dst[2*padW] != 0 {
		t.Error("wrote outside the input region")
	}
}
