package sqlstore

import (
	"path/filepath"
	"testing"

	"vigil/internal/proctor"
)

// The store has no update or delete path for the audit log; the schema
// refuses them too, so a hand-written statement cannot rewrite history.
func TestAuditLogRefusesUpdateAndDeleteSQLite(t *testing.T) {
	st, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendAudit(t.Context(), &proctor.AuditEntry{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.writer.ExecContext(t.Context(), `UPDATE audit_log SET action = 'y'`); err == nil {
		t.Fatal("UPDATE of the audit log succeeded")
	}
	if _, err := st.writer.ExecContext(t.Context(), `DELETE FROM audit_log`); err == nil {
		t.Fatal("DELETE from the audit log succeeded")
	}
}
