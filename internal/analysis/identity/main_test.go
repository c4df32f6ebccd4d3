package identity

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

// mediaDir is the shared test media beside the repository.
const mediaDir = "../../../../shared/media"

// TestMain loads ONNX Runtime and checks the stand-in model for real. A
// missing library or model fails the run with a message saying how to
// fetch it; it never skips, so a CI without them cannot pass by testing
// nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: identity tests need ONNX Runtime (scripts/setup-onnxruntime, `make setup`):", err)
		os.Exit(1)
	}
	if err := Check(DefaultModelPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: identity tests need the face-embedding model (scripts/setup-face-embedding):", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func loadJPEG(t testing.TB, rel string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(mediaDir, rel))
	if err != nil {
		t.Fatalf("test media missing: %v", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", rel, err)
	}
	return img
}

// landmarks finds the largest face of a picture with YuNet at 640x480,
// as the server finds the faces on identity photos.
func landmarks(t testing.TB, img image.Image) [5]face.Point {
	t.Helper()
	d, err := face.NewDetector(face.Options{InputWidth: 640, InputHeight: 480})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	faces, err := d.Detect(img)
	if err != nil || len(faces) == 0 {
		t.Fatalf("no face found (%v)", err)
	}
	return faces[0].Landmarks
}

func newTestModel(t testing.TB, o Options) *Model {
	t.Helper()
	if o.Path == "" {
		o.Path = DefaultModelPath()
	}
	m, err := NewModel(o)
	if err != nil {
		t.Fatalf("NewModel(%+v): %v", o, err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func embed(t testing.TB, m *Model, rel string) []float32 {
	t.Helper()
	img := loadJPEG(t, rel)
	e, err := m.Embed(img, landmarks(t, img))
	if err != nil {
		t.Fatalf("Embed %s: %v", rel, err)
	}
	return e
}
