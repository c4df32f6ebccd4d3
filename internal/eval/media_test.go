package eval

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMedia: a path is read from the first folder that has it, a path in
// none is fs.ErrNotExist, and MediaDirs refuses a missing folder.
func TestMedia(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for dir, files := range map[string]map[string]string{
		a: {"audio/x.wav": "from a"},
		b: {"audio/x.wav": "from b", "audio/y.wav": "only b"},
	} {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := MediaDirs(a + string(filepath.ListSeparator) + b)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"audio/x.wav": "from a", "audio/y.wav": "only b"} {
		got, err := fs.ReadFile(m, name)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := fs.ReadFile(m, "audio/z.wav"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := MediaDirs(a + string(filepath.ListSeparator) + "/nonexistent"); err == nil || !strings.Contains(err.Error(), "/nonexistent not found") {
		t.Errorf("missing folder: %v", err)
	}
}
