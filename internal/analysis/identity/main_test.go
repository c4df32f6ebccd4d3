package identity

import (
	"image"
	"os"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/modeltest"
)

var loadJPEG = modeltest.LoadJPEG

func TestMain(m *testing.M) {
	os.Exit(modeltest.Run(m, "identity", modeltest.Need{
		What:  "the face-embedding model (scripts/setup-face-embedding)",
		Check: func() error { return Check(DefaultModelPath()) }}))
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
