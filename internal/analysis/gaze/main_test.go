package gaze

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

// mediaDir is the shared test media beside the repository, seen from this
// package's directory.
const mediaDir = "../../../../shared/media"

// TestMain loads ONNX Runtime for real: the measurements need YuNet's
// landmarks. A missing library fails the run with Init's message; it never
// skips, so a CI without the runtime cannot pass by testing nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: gaze tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	if _, err := os.Stat(mediaDir); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: gaze tests need the shared media folder at %s: %v\n", mediaDir, err)
		os.Exit(1)
	}
	code := m.Run()
	detectors.Range(func(_, d any) bool {
		d.(*face.Detector).Close()
		return true
	})
	os.Exit(code)
}

// decoded caches decoded media: several tests use the same frames.
var decoded sync.Map // relative path -> image.Image

func loadJPEG(t testing.TB, rel string) image.Image {
	t.Helper()
	if img, ok := decoded.Load(rel); ok {
		return img.(image.Image)
	}
	f, err := os.Open(filepath.Join(mediaDir, rel))
	if err != nil {
		t.Fatalf("test media missing: %v (expected the shared media folder beside the repository)", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", rel, err)
	}
	decoded.Store(rel, img)
	return img
}

// detectors holds one YuNet detector per network input width (320 or
// 640), shared by the tests of this binary (which do not run in parallel)
// and closed by TestMain.
var (
	detectors sync.Map   // int -> *face.Detector
	detMu     sync.Mutex // guards creating detectors
	runMu     sync.Mutex // guards running them
)

func detector(t testing.TB, inputWidth int) *face.Detector {
	t.Helper()
	detMu.Lock()
	defer detMu.Unlock()
	if d, ok := detectors.Load(inputWidth); ok {
		return d.(*face.Detector)
	}
	d, err := face.NewDetector(face.Options{InputWidth: inputWidth, InputHeight: inputWidth * 3 / 4})
	if err != nil {
		t.Fatalf("NewDetector(%d): %v", inputWidth, err)
	}
	detectors.Store(inputWidth, d)
	return d
}

// detectFaces runs YuNet on a media file, caching the result.
var detected sync.Map // key{rel, input} -> []face.Face

func detectFaces(t testing.TB, rel string, inputWidth int) (image.Image, []face.Face) {
	t.Helper()
	img := loadJPEG(t, rel)
	key := fmt.Sprintf("%s@%d", rel, inputWidth)
	if fs, ok := detected.Load(key); ok {
		return img, fs.([]face.Face)
	}
	d := detector(t, inputWidth)
	runMu.Lock() // a Detector is not safe for concurrent use
	fs, err := d.Detect(img)
	runMu.Unlock()
	if err != nil {
		t.Fatalf("Detect %s: %v", rel, err)
	}
	detected.Store(key, fs)
	return img, fs
}
