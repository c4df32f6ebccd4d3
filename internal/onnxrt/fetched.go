package onnxrt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Fetched describes a file the set-up step fetches rather than the
// repository holding it (the runtime library, a model): what it is, the
// variable that says where it is instead, and how to fetch it. The runtime
// and each model check their file the same way, so a missing one always
// says how to get it.
type Fetched struct {
	What  string // "Silero VAD model"
	Env   string // "VIGIL_VAD_MODEL"
	Fetch string // "`scripts/setup-vad` (or `make setup`; it fetches … from npm)"
}

// MissingFileError reports a fetched file that is not there. It unwraps to
// fs.ErrNotExist, for errors.Is.
type MissingFileError struct {
	Path string
	File Fetched
}

func (e *MissingFileError) Error() string {
	return fmt.Sprintf("%s not found at %s: run %s or set %s", e.File.What, e.Path, e.File.Fetch, e.File.Env)
}

func (e *MissingFileError) Unwrap() error { return fs.ErrNotExist }

// Check looks at the file at path without loading it: a missing file is a
// *MissingFileError, anything but a regular file an error naming it.
func (f Fetched) Check(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &MissingFileError{Path: path, File: f}
	}
	if err != nil {
		return fmt.Errorf("%s at %s: %w", f.What, path, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s at %s is not a regular file", f.What, path)
	}
	return nil
}
