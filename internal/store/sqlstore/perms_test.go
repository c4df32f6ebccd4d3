package sqlstore_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"vigil/internal/store/sqlstore"
)

// TestDatabaseFilesPrivate: a new database, its -wal and -shm files and
// its folder are the owner's only; an old database left readable by
// others is tightened when opened.
func TestDatabaseFilesPrivate(t *testing.T) {
	t.Run("new", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "vigil.db")
		if err := os.Mkdir(dir, 0o755); err != nil { // as an older Vigil made it
			t.Fatal(err)
		}
		openAndWrite(t, path)
		checkMode(t, dir, 0o700)
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			checkMode(t, p, 0o600)
		}
	})
	t.Run("existing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "vigil.db")
		openAndWrite(t, path)
		for _, p := range []string{dir, path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o755); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		openAndWrite(t, path)
		checkMode(t, dir, 0o700)
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			checkMode(t, p, 0o600)
		}
	})
}

// openAndWrite opens the store and migrates it, so SQLite makes its -wal
// and -shm files, and leaves the store open until the test ends.
func openAndWrite(t *testing.T, path string) {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func checkMode(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(p), got, want)
	}
}
