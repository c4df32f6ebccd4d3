package face

import "image"

// lumaGrid is the number of samples per side MeanLuma takes at most: a
// 64x64 grid estimates the mean of a frame to well under one level, which
// is all a "too dark" check needs, for a few microseconds.
const lumaGrid = 64

// MeanLuma returns the mean luma (BT.601, 0–255) of img, estimated on a
// grid of samples. Nil and empty images give 0. On *image.YCbCr it reads
// the Y plane directly, so it is cheap enough to run on every frame.
func MeanLuma(img image.Image) float64 {
	if isNil(img) || !buffersCover(img) {
		return 0
	}
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return 0
	}
	stepX, stepY := max(1, b.Dx()/lumaGrid), max(1, b.Dy()/lumaGrid)
	var sum float64
	var n int
	for y := b.Min.Y + stepY/2; y < b.Max.Y; y += stepY {
		for x := b.Min.X + stepX/2; x < b.Max.X; x += stepX {
			sum += lumaAt(img, x, y)
			n++
		}
	}
	return sum / float64(n)
}

func lumaAt(img image.Image, x, y int) float64 {
	switch m := img.(type) {
	case *image.YCbCr:
		return float64(m.Y[m.YOffset(x, y)])
	case *image.Gray:
		return float64(m.Pix[m.PixOffset(x, y)])
	case *image.RGBA:
		i := m.PixOffset(x, y)
		return luma601(float64(m.Pix[i]), float64(m.Pix[i+1]), float64(m.Pix[i+2]))
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		return luma601(float64(m.Pix[i]), float64(m.Pix[i+1]), float64(m.Pix[i+2]))
	}
	r, g, b, _ := img.At(x, y).RGBA()
	return luma601(float64(r>>8), float64(g>>8), float64(b>>8))
}

// luma601 is the JFIF/BT.601 luma that JPEG's Y plane stores, so every image
// type gives the same answer for the same picture.
func luma601(r, g, b float64) float64 {
	return 0.299*r + 0.587*g + 0.114*b
}
