package gaze

import (
	"fmt"
	"image"
	"os"
	"sync"
	"testing"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/modeltest"
)

var loadJPEG = modeltest.LoadJPEG

// TestMain: the measurements need YuNet's landmarks, for real.
func TestMain(m *testing.M) {
	code := modeltest.Run(m, "gaze")
	detectors.Range(func(_, d any) bool {
		d.(*face.Detector).Close()
		return true
	})
	os.Exit(code)
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
