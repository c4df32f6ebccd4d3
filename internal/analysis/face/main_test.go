package face

import (
	"bufio"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vigil/internal/analysis/modeltest"
)

// mediaDir is the shared test media beside the repository.
var mediaDir = modeltest.MediaDir()

// loadJPEG decodes a picture of the shared media, once per test binary.
var loadJPEG = modeltest.LoadJPEG

func TestMain(m *testing.M) { os.Exit(modeltest.Run(m, "face")) }

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
