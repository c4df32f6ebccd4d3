// Package modeltest is what the tests of the packages that run models
// share: a TestMain body that loads ONNX Runtime and the models for real,
// the shared media folder beside the repository, and pictures decoded from
// it. A missing library, model or folder fails the run with a message that
// says how to get it; it never skips, so a CI without them cannot pass by
// testing nothing.
package modeltest

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"vigil/internal/onnxrt"
)

// Need is one more thing a package's tests cannot run without: a model
// file, say. Check returns nil when it is there.
type Need struct {
	What  string // "the Silero VAD v5 model (scripts/setup-vad)"
	Check func() error
}

// Run loads ONNX Runtime, checks the shared folder and every need, then
// runs the tests, and returns the exit code for os.Exit; who names the
// package in the failure message.
func Run(m *testing.M, who string, needs ...Need) int {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %s tests need ONNX Runtime (scripts/setup-onnxruntime, `make setup`): %v\n", who, err)
		return 1
	}
	if _, err := os.Stat(SharedDir()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %s tests need the shared folder beside the repository: %v\n", who, err)
		return 1
	}
	for _, n := range needs {
		if err := n.Check(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: %s tests need %s: %v\n", who, n.What, err)
			return 1
		}
	}
	return m.Run()
}

// SharedDir is the project's shared folder, beside the repository (found
// from this file, so it holds whichever package's directory a test runs in).
func SharedDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared")
}

// MediaDir is the shared test media, with ground truth and licences.
func MediaDir() string { return filepath.Join(SharedDir(), "media") }

// decoded caches decoded media: several tests use the same pictures.
var decoded sync.Map // relative path -> image.Image

// LoadJPEG decodes a picture of the shared media (rel is relative to
// MediaDir); the same picture is decoded once per test binary.
func LoadJPEG(t testing.TB, rel string) image.Image {
	t.Helper()
	if img, ok := decoded.Load(rel); ok {
		return img.(image.Image)
	}
	f, err := os.Open(filepath.Join(MediaDir(), rel))
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
