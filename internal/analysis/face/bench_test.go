package face

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

func benchDetect(b *testing.B, rel string, opts Options) {
	d := newTestDetector(b, opts)
	img := loadJPEG(b, rel) // decode excluded
	detect(b, d, img)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Detect(img); err != nil {
			b.Fatal(err)
		}
	}
}

// A 320x240 webcam frame at the default 320x240 input: no resize.
func BenchmarkDetect320(b *testing.B) { benchDetect(b, "webcam320/obama_480p.jpg", Options{}) }

// A 640x480 webcam frame at the default 320x240 input: bilinear downscale.
func BenchmarkDetect640(b *testing.B) { benchDetect(b, "webcam640/obama_480p.jpg", Options{}) }

// A 640x480 frame at a 640x480 input, for the README's 640 figure.
func BenchmarkDetect640Input640(b *testing.B) {
	benchDetect(b, "webcam640/obama_480p.jpg", Options{InputWidth: 640, InputHeight: 480})
}

// Pre-processing alone (YCbCr 4:2:0 640x480 -> 320x240 tensor).
func BenchmarkPreprocess640(b *testing.B) {
	d := newTestDetector(b, Options{})
	img := loadJPEG(b, "webcam640/obama_480p.jpg")
	b.ReportAllocs()
	for b.Loop() {
		d.resize.fill(img, d.input.GetData(), d.opts.InputWidth, d.opts.InputHeight, d.padW, d.padH)
	}
}

func BenchmarkDecodeJPEG320(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(mediaDir, "webcam320/obama_480p.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMeanLuma640(b *testing.B) {
	img := loadJPEG(b, "webcam640/obama_480p.jpg")
	b.ReportAllocs()
	for b.Loop() {
		MeanLuma(img)
	}
}
