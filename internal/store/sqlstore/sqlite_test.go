package sqlstore_test

import (
	"path/filepath"
	"testing"

	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/store/storetest"
)

// newStore opens a fresh database file in the test's temp dir and migrates it.
func newSQLiteStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoreSuiteSQLite(t *testing.T) { storetest.Run(t, newSQLiteStore) }

func TestSchemaVersionBeforeAndAfterMigrateSQLite(t *testing.T) {
	st, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	have, want, err := st.SchemaVersion(t.Context())
	if err != nil || have != 0 || want < 1 {
		t.Fatalf("fresh database: have %d want %d err %v", have, want, err)
	}
	applied, err := st.Migrate(t.Context())
	if err != nil || len(applied) == 0 || applied[len(applied)-1] != want {
		t.Fatalf("Migrate applied %v, err %v", applied, err)
	}
	again, err := st.Migrate(t.Context())
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate applied %v, err %v", again, err)
	}
}
