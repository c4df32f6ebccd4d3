//go:build !unix

package web

import "errors"

// freeBytes is only read on Unix; elsewhere the floor is not checked.
func freeBytes(string) (uint64, error) { return 0, errors.New("free space is not read on this system") }
