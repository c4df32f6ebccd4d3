// Package extension holds Vigil's Chromium extension (Manifest V3, plain
// JavaScript, no build step): the files are embedded in the vigil binary,
// which writes them as a folder to load unpacked or as a ZIP for a store
// or an institution's browser policy (`vigil extension pack`).
package extension

import (
	"archive/zip"
	"embed"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed manifest.json background.js content.js popup.html popup.js
var files embed.FS

// Files is the extension's files.
func Files() fs.FS { return files }

// WriteZip writes the extension as a ZIP with manifest.json at its root.
func WriteZip(w io.Writer) error {
	z := zip.NewWriter(w)
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := z.Create(path)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	return z.Close()
}

// WriteDir writes the extension's files into dir (created if needed), to
// load as an unpacked extension.
func WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), data, 0o644)
	})
}
