package onnxrt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tests share the process-wide runtime, so they run in one function in
// a fixed order: a failed Init first, then the real load, then reloads. Run
// again in the same process (go test -count=3) the runtime is loaded
// already, so the failed Init is checked through Check, which Init uses.
func TestInit(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	err := Check(missing)
	if LoadedPath() == "" {
		err = Init(missing)
	} else if Init(missing) == nil {
		t.Fatal("Init(missing) with the runtime loaded: no error")
	}
	var nf *MissingFileError
	if !errors.As(err, &nf) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Init(missing): %v, want a MissingFileError", err)
	}
	for _, part := range []string{missing, "make setup", "onnxruntime-node@1.30.0", EnvVar} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message %q does not mention %q", err, part)
		}
	}
	if err := Init(t.TempDir()); err == nil {
		t.Error("Init(directory): no error")
	}

	lib := DefaultLibPath()
	if err := Init(lib); err != nil {
		t.Fatalf("Init(%s): %v", lib, err)
	}
	if err := Init(lib); err != nil {
		t.Errorf("second Init with the same path: %v", err)
	}
	if LoadedPath() == "" {
		t.Error("LoadedPath empty after Init")
	}
	if err := Init(missing); err == nil {
		t.Error("Init with a different path after a load: no error")
	}

	so, err := NewSessionOptions()
	if err != nil {
		t.Fatal(err)
	}
	defer so.Destroy()
	if v, err := so.GetSessionConfigEntry("session.intra_op.allow_spinning"); err != nil || v != "0" {
		t.Errorf("allow_spinning = %q, %v; want \"0\"", v, err)
	}
}

func TestDefaultLibPath(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "custom.so")
	if err := os.WriteFile(lib, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, lib)
	if got := DefaultLibPath(); got != lib {
		t.Errorf("with %s set to an existing file: %s", EnvVar, got)
	}
	// A wrong explicit setting is named, so Init's error points at it; but
	// an existing library elsewhere is still preferred over failing.
	t.Setenv(EnvVar, filepath.Join(dir, "nope.so"))
	got := DefaultLibPath()
	if _, err := os.Stat(got); err != nil && got != filepath.Join(dir, "nope.so") {
		t.Errorf("missing %s: got %s", EnvVar, got)
	}
}
