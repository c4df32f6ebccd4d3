// Package onnxrt loads the ONNX Runtime shared library once per process and
// builds session options tuned for Vigil's small per-frame models.
//
// ONNX Runtime is a C++ library reached through cgo
// (github.com/yalue/onnxruntime_go). Its environment is process-global and
// can only be created once, so every package that runs a model calls Init
// with the same path and then creates its own sessions.
package onnxrt

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// EnvVar names the environment variable that overrides where the library is.
const EnvVar = "VIGIL_ONNXRUNTIME_LIB"

// RelLibPath is where scripts/setup-onnxruntime puts the library, relative to
// the repository root.
const RelLibPath = "third_party/onnxruntime/libonnxruntime.so.1"

// Library is the ONNX Runtime shared library, fetched by `make setup`.
var Library = Fetched{What: "ONNX Runtime library", Env: EnvVar,
	Fetch: "`make setup` (it fetches onnxruntime-node@1.30.0 from npm)"}

var (
	initMu     sync.Mutex
	loadedPath string // absolute path of the loaded library; "" until Init succeeds
)

// Init loads the ONNX Runtime library at libPath and creates the process-wide
// environment. Calling it again with the same path is a cheap no-op, so every
// model package may call it; calling it with a different path after a
// successful load is an error, because the runtime cannot be swapped inside a
// process. A failed Init (for example a missing file) may be retried.
func Init(libPath string) error {
	abs, err := filepath.Abs(libPath)
	if err != nil {
		return fmt.Errorf("onnxrt: resolve library path %q: %w", libPath, err)
	}

	initMu.Lock()
	defer initMu.Unlock()
	if loadedPath != "" {
		if loadedPath != abs {
			return fmt.Errorf("onnxrt: ONNX Runtime already loaded from %s; "+
				"cannot load a second copy from %s", loadedPath, abs)
		}
		return nil
	}

	if err := Check(abs); err != nil {
		return err
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelWarning()); err != nil {
		return fmt.Errorf("onnxrt: load ONNX Runtime from %s: %w", abs, err)
	}
	loadedPath = abs
	return nil
}

// Check looks at the library file without loading it, turning the common
// set-up mistakes into a message that says how to fix them instead of a raw
// dlopen error. A process that loads the runtime later (on first use) calls
// it at start to fail early.
func Check(path string) error { return Library.Check(path) }

// LoadedPath returns the absolute path of the loaded library, or "" before a
// successful Init. Useful for start-up logs.
func LoadedPath() string {
	initMu.Lock()
	defer initMu.Unlock()
	return loadedPath
}

// DefaultLibPath returns where the library most likely is (FindFile of
// $VIGIL_ONNXRUNTIME_LIB and RelLibPath).
func DefaultLibPath() string { return FindFile(EnvVar, RelLibPath) }

// FindFile returns where a file Vigil loads at run time (the runtime
// library, a model fetched by the set-up step) most likely is, trying in
// order: the path in the environment variable env; rel under the working
// directory; rel under the nearest enclosing Go module root (so `go test`
// inside a package directory finds the repository's copy); rel beside the
// running executable and in its parent directory (an installed bin/
// layout). It returns the first that exists. If none does, it returns the
// path the user asked for in env, or else the working-directory one, so
// that the loader's error names a useful path.
func FindFile(env, rel string) string {
	for _, c := range candidates(env, rel) {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	if p := os.Getenv(env); p != "" {
		return p
	}
	if wd, err := os.Getwd(); err == nil {
		return filepath.Join(wd, rel)
	}
	return rel
}

func candidates(env, rel string) []string {
	var out []string
	if p := os.Getenv(env); p != "" {
		out = append(out, p)
	}
	if wd, err := os.Getwd(); err == nil {
		out = append(out, filepath.Join(wd, rel))
		if root := moduleRoot(wd); root != "" && root != wd {
			out = append(out, filepath.Join(root, rel))
		}
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		out = append(out,
			filepath.Join(dir, rel),
			filepath.Join(filepath.Dir(dir), rel))
	}
	return out
}

// moduleRoot returns the nearest directory at or above dir holding a go.mod,
// or "" if there is none. Stopping at the module root keeps the search from
// picking up an unrelated library higher up the file system.
func moduleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// NewSessionOptions returns session options for Vigil's models: one
// intra-op thread, sequential execution and no spinning. The models are
// small (a few ms per frame), so extra threads mostly add hand-off cost, and
// spinning worker threads would burn a core each while idle between frames.
// Parallelism comes from running several sessions, one per goroutine.
// The caller must Destroy the options after creating its sessions.
func NewSessionOptions() (*ort.SessionOptions, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnxrt: new session options: %w", err)
	}
	if err := configure(opts); err != nil {
		_ = opts.Destroy()
		return nil, err
	}
	return opts, nil
}

func configure(opts *ort.SessionOptions) error {
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		return fmt.Errorf("onnxrt: set intra-op threads: %w", err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return fmt.Errorf("onnxrt: set inter-op threads: %w", err)
	}
	if err := opts.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
		return fmt.Errorf("onnxrt: set sequential execution: %w", err)
	}
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return fmt.Errorf("onnxrt: disable intra-op spinning: %w", err)
	}
	return nil
}
