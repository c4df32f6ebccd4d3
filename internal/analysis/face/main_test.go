package face

import (
	"bufio"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"vigil/internal/onnxrt"
)

// mediaDir is the shared test media beside the repository (the `shared`
// folder next to it), seen from this package's directory.
const mediaDir = "../../../../shared/media"

// TestMain loads ONNX Runtime for real. A missing library fails the run
// with Init's message (which says how to fetch it); it never skips, so a CI
// without the runtime cannot pass by testing nothing.
func TestMain(m *testing.M) {
	if err := onnxrt.Init(onnxrt.DefaultLibPath()); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: face tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// truth is one line of groundtruth.tsv.
type truth struct {
	path  string
	faces int
	note  string
}

func readGroundTruth(t testing.TB) []truth {
	t.Helper()
	p := filepath.Join(mediaDir, "groundtruth.tsv")
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("test media missing: %v (expected the shared media folder beside the repository)", err)
	}
	defer f.Close()
	var out []truth
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 || strings.TrimSpace(sc.Text()) == "" {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("%s:%d: want 3 tab-separated columns, got %q", p, line, sc.Text())
		}
		n, err := strconv.Atoi(cols[1])
		if err != nil {
			t.Fatalf("%s:%d: face count: %v", p, line, err)
		}
		out = append(out, truth{cols[0], n, cols[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no entries", p)
	}
	return out
}

// decoded caches decoded media: several tests use the same frames.
var decoded sync.Map // path -> image.Image

func loadJPEG(t testing.TB, rel string) image.Image {
	t.Helper()
	if img, ok := decoded.Load(rel); ok {
		return img.(image.Image)
	}
	f, err := os.Open(filepath.Join(mediaDir, rel))
	if err != nil {
		t.Fatalf("test media missing: %v", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", rel, err)
	}
	decoded.Store(rel, img)
	return img
}

func newTestDetector(t testing.TB, opts Options) *Detector {
	t.Helper()
	d, err := NewDetector(opts)
	if err != nil {
		t.Fatalf("NewDetector(%+v): %v", opts, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func detect(t testing.TB, d *Detector, img image.Image) []Face {
	t.Helper()
	faces, err := d.Detect(img)
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	return faces
}
