package gaze

import (
	"image"
	"image/draw"
	"testing"
)

// benchFace times Estimate on a decoded frame and the face YuNet found in
// it; rgba converts the frame first, to time the RGBA path.
func benchFace(b *testing.B, rel string, input int, rgba bool) {
	img, fs := detectFaces(b, rel, input)
	if rgba {
		m := image.NewRGBA(img.Bounds())
		draw.Draw(m, m.Rect, img, img.Bounds().Min, draw.Src)
		img = m
	}
	if len(fs) != 1 {
		b.Fatalf("%s: %d faces, want 1", rel, len(fs))
	}
	f := fs[0]
	if p := Estimate(img, f); !p.OK || p.Pupils != 2 {
		b.Fatalf("%s: %+v", rel, p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Estimate(img, f)
	}
}

// BenchmarkEstimate640 is one face in a 640x480 frame (inter-ocular
// distance ~105 pixels), landmarks from YuNet at 640x480 input.
func BenchmarkEstimate640(b *testing.B) {
	benchFace(b, "frames/eyes_center5_left5_center5/f01_640.jpg", 640, false)
}

// BenchmarkEstimate320 is the same face in the 320x240 frame (~55 pixels),
// landmarks from YuNet at 320x240 input.
func BenchmarkEstimate320(b *testing.B) {
	benchFace(b, "frames/eyes_center5_left5_center5/f01_320.jpg", 320, false)
}

// BenchmarkEstimate640RGBA is BenchmarkEstimate640 on an *image.RGBA.
func BenchmarkEstimate640RGBA(b *testing.B) {
	benchFace(b, "frames/eyes_center5_left5_center5/f01_640.jpg", 640, true)
}
