package modeltest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ContinuousTake is a stretch of an exam at one frame per second made only of
// continuous takes, each played once and never looped, so that the reuse of
// an unchanged frame's detection meets real frame-to-frame change: a
// student looking at the screen (10 s), glancing left (15 s), the camera
// moving over an empty desk (31 s), the student glancing right (15 s), and
// one frame with a second person. 72 frames, every one different; size
// is "320" or "640" (the desk take, 320x240 only, is doubled for 640).
func ContinuousTake(tb testing.TB, size string) [][]byte {
	tb.Helper()
	var files []string
	take := func(dir string, from, to int) {
		for i := from; i <= to; i++ {
			files = append(files, fmt.Sprintf("frames/%s/f%02d_%s.jpg", dir, i, size))
		}
	}
	take("eyes_center_10s", 1, 10)
	take("eyes_center5_left5_center5", 1, 15)
	desk, err := filepath.Glob(filepath.Join(MediaDir(), "frames/desk_empty_dlib/frame_*.jpg"))
	if err != nil || len(desk) == 0 {
		tb.Fatalf("the shared media must be beside the repository: no desk frames (%v)", err)
	}
	for _, f := range desk {
		rel, _ := filepath.Rel(MediaDir(), f)
		files = append(files, rel)
	}
	take("eyes_center5_right5_center5", 1, 15)
	files = append(files, "webcam"+size+"/two_people.jpg")
	data := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(MediaDir(), f))
		if err != nil {
			tb.Fatalf("the shared media must be beside the repository: %v", err)
		}
		if size == "640" && strings.HasPrefix(f, "frames/desk_empty_dlib/") {
			b = doubled(tb, b) // the desk take exists at 320x240 only
		}
		data[i] = b
	}
	return data
}

// doubled returns a JPEG at twice the width and height, each pixel
// repeated: a 640x480 frame with the 320x240 take's motion and noise.
func doubled(tb testing.TB, data []byte) []byte {
	tb.Helper()
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, 2*b.Dx(), 2*b.Dy()))
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			dst.Set(x, y, src.At(b.Min.X+x/2, b.Min.Y+y/2))
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}
