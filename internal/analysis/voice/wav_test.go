package voice

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// mediaDir is the shared test media beside the repository, seen from this
// package's directory.
const mediaDir = "../../../../shared/media/audio"

type clip struct {
	samples []float32
	rate    int
}

var clips sync.Map // name -> clip

func loadWAV(t testing.TB, name string) ([]float32, int) {
	t.Helper()
	if c, ok := clips.Load(name); ok {
		return c.(clip).samples, c.(clip).rate
	}
	data, err := os.ReadFile(filepath.Join(mediaDir, name))
	if err != nil {
		t.Fatalf("test media missing: %v (expected the shared media folder beside the repository, %s)", err, mediaDir)
	}
	x, rate, err := DecodeWAV(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	clips.Store(name, clip{x, rate})
	return x, rate
}
