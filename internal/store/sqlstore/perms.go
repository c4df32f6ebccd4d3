package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// restrictFiles keeps the database to the account Vigil runs as: it holds
// Vigil's signing keys, session tokens and students' records. The folder
// is made (or tightened to) 0700, the file is created 0600 before SQLite
// opens it (SQLite gives its -wal and -shm files the database's mode), and
// files an older Vigil left readable by others are tightened to 0600.
// Kept apart from Open so that it moves with the SQLite open path.
func restrictFiles(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sqlstore: data folder: %w", err)
	}
	if err := tighten(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlstore: create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := tighten(p, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// tighten removes from p's mode any permission beyond limit; a missing
// file is fine.
func tighten(p string, limit fs.FileMode) error {
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if mode := info.Mode().Perm(); mode&^limit != 0 {
		if err := os.Chmod(p, mode&limit); err != nil {
			return fmt.Errorf("sqlstore: restrict %s to the owner: %w", p, err)
		}
	}
	return nil
}
