package sqlstore

import (
	"testing"
)

// TestCompanionMigrationKeepsEvents: a database with event batches and
// tokens from before migration 0007 keeps them all, as the browser's; and
// a migration numbered below the newest applied one (merged in from
// another branch) still runs.
func TestCompanionMigrationKeepsEvents(t *testing.T) {
	ctx := t.Context()
	// As if 0006 came from a branch merged later.
	st := sqliteAt(t, func(v int) bool { return v < 7 && v != 6 })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.writer.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	sess := newSession(t, st)
	exec(`INSERT INTO session_tokens (token_hash, session_id, expires_at) VALUES ('old', ?, 1)`, sess.ID)
	exec(`INSERT INTO event_batches (session_id, batch, sha256, received_at) VALUES (?, 0, 'sha', 1000)`, sess.ID)
	exec(`INSERT INTO events (session_id, batch, kind, at, combo, source, received_at) VALUES (?, 0, 'key', 2000, 'Ctrl+C', 'browser', 1000)`, sess.ID)

	if have, want, _ := st.SchemaVersion(ctx); have != 5 || want < 7 {
		t.Fatalf("before: version %d of %d", have, want)
	}
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) < 2 || applied[0] != 6 || applied[1] != 7 {
		t.Fatalf("Migrate applied %v (%v)", applied, err)
	}
	events, err := st.ListEvents(ctx, sess.ID)
	if err != nil || len(events) != 1 || events[0].Combo != "Ctrl+C" || events[0].Source != "browser" {
		t.Fatalf("events after the migration: %+v (%v)", events, err)
	}
	if next, _ := st.NextEventBatch(ctx, sess.ID, "browser"); next != 1 {
		t.Fatalf("browser's next batch %d", next)
	}
	tok, _, err := st.GetSessionToken(ctx, "old")
	if err != nil || tok.Source != "browser" || tok.SessionID != sess.ID {
		t.Fatalf("old token: %+v (%v)", tok, err)
	}
	if have, want, _ := st.SchemaVersion(ctx); have != want {
		t.Fatalf("after: version %d of %d", have, want)
	}
}
