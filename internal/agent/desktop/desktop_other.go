//go:build !linux && !windows && !darwin

package desktop

import "errors"

// New has no reader on this platform.
func New() (Reader, error) {
	return nil, errors.New("desktop: the Vigil agent runs on Linux, Windows and macOS")
}
