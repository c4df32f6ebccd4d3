package redact

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/modeltest"
)

func TestMain(m *testing.M) { os.Exit(modeltest.Run(m, "redact")) }

func load(t *testing.T, name string) image.Image { return modeltest.LoadJPEG(t, name) }

// TestTwoPeopleOneHidden: in two_people.jpg YuNet finds two faces; the
// kept one is left pixel for pixel, the other is pixelated so that the
// detector no longer finds it; a frame of one person is unchanged.
func TestTwoPeopleOneHidden(t *testing.T) {
	pool, err := face.NewPool(1, face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	ctx := context.Background()
	img := load(t, "webcam320/two_people.jpg")
	faces, err := pool.Detect(ctx, img)
	if err != nil || len(faces) != 2 {
		t.Fatalf("two_people.jpg: %d faces (%v), want 2", len(faces), err)
	}
	keep := Keep(faces, img.Bounds())
	out, hidden := Others(img, faces, keep)
	if hidden != 1 {
		t.Fatalf("hid %d faces, want 1", hidden)
	}
	k := faces[keep]
	box := image.Rect(int(k.X)+1, int(k.Y)+1, int(k.X+k.W)-1, int(k.Y+k.H)-1)
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if r0, g0, b0, _ := img.At(x, y).RGBA(); !same(out.At(x, y).RGBA, r0, g0, b0) {
				t.Fatalf("the kept face changed at %d,%d", x, y)
			}
		}
	}
	after, err := pool.Detect(ctx, out)
	if err != nil || len(after) != 1 {
		t.Fatalf("after redaction the detector finds %d faces (%v), want only the kept one", len(after), err)
	}
	if d := centreDist(after[0], image.Rect(int(k.X), int(k.Y), int(k.X+k.W), int(k.Y+k.H))); d > float64(k.W)/4 {
		t.Fatalf("the face found after redaction is not the kept one (%.0f px from it)", d)
	}
	t.Logf("two_people.jpg: kept face %d (%.0fx%.0f at %.0f,%.0f), hid the other (%.0fx%.0f)", keep, k.W, k.H, k.X, k.Y,
		faces[1-keep].W, faces[1-keep].H)

	one := load(t, "webcam320/obama_480p.jpg")
	faces, err = pool.Detect(ctx, one)
	if err != nil || len(faces) != 1 {
		t.Fatalf("obama_480p.jpg: %d faces (%v)", len(faces), err)
	}
	if _, hidden := Others(one, faces, Keep(faces, one.Bounds())); hidden != 0 {
		t.Fatalf("a frame of one person: hid %d", hidden)
	}
}

func same(rgba func() (r, g, b, a uint32), r0, g0, b0 uint32) bool {
	r, g, b, _ := rgba()
	return r>>8 == r0>>8 && g>>8 == g0>>8 && b>>8 == b0>>8
}

// TestKeepPrefersLargestThenCentral: a clearly larger face wins; of two
// about as large, the one nearer the centre.
func TestKeepPrefersLargestThenCentral(t *testing.T) {
	b := image.Rect(0, 0, 320, 240)
	big := face.Face{X: 10, Y: 10, W: 100, H: 100}
	small := face.Face{X: 140, Y: 90, W: 40, H: 40}
	central := face.Face{X: 115, Y: 75, W: 90, H: 90}
	if Keep([]face.Face{small, big}, b) != 1 {
		t.Error("the clearly larger face was not kept")
	}
	if Keep([]face.Face{big, central}, b) != 1 {
		t.Error("of two about as large, the central one was not kept")
	}
	if Keep(nil, b) != -1 {
		t.Error("no face, yet one kept")
	}
}

// BenchmarkEvidencePicture is what serving one evidence picture to a
// student costs: decode the stored JPEG, find the faces, pixelate all but
// the student's, encode it again. BenchmarkEvidencePictureBaseline is the
// same picture decoded and encoded without redaction (the floor).
func BenchmarkEvidencePicture(b *testing.B) {
	data, pool := benchFrame(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		faces, err := pool.Detect(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := Others(img, faces, Keep(faces, img.Bounds()))
		if err := jpeg.Encode(io.Discard, out, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvidencePictureBaseline(b *testing.B) {
	data, _ := benchFrame(b)
	b.ReportAllocs()
	for b.Loop() {
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if err := jpeg.Encode(io.Discard, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFrame(b *testing.B) ([]byte, *face.Pool) {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(modeltest.MediaDir(), "webcam320/two_people.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	pool, err := face.NewPool(1, face.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pool.Close() })
	return data, pool
}
