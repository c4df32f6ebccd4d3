package sqlstore

import (
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestRecordingStartMigration: migration 0009 gives sessions recorded
// before it their recording's start, from the earliest frame or video
// chunk, and leaves a session without media unrecorded.
func TestRecordingStartMigration(t *testing.T) {
	ctx := t.Context()
	st := sqliteAt(t, func(v int) bool { return v < 9 })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.writer.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	recorded := newSession(t, st)
	empty := &proctor.Session{ExamID: recorded.ExamID, StudentID: recorded.StudentID, CreatedAt: time.Now(), ClientStartedAt: time.Now()}
	must(t, st.CreateSession(ctx, empty))
	exec(`INSERT INTO frames (session_id, seq, captured_at, blob_key, sha256, size, width, height, received_at)
		VALUES (?, 0, 50000, 'k0', 's', 1, 320, 240, 1), (?, 1, 51000, 'k1', 's', 1, 320, 240, 1)`, recorded.ID, recorded.ID)
	exec(`INSERT INTO video_chunks (session_id, stream, seq, started_at, duration_ms, blob_key, sha256, size, received_at)
		VALUES (?, 'webcam', 0, 49500, 10000, 'v0', 's', 1, 1)`, recorded.ID)
	exec(`UPDATE sessions SET last_capture_at = 59500 WHERE id = ?`, recorded.ID)

	_, err := st.Migrate(ctx)
	must(t, err)
	got, err := st.GetSession(ctx, recorded.ID)
	must(t, err)
	if !got.RecordedFrom.Equal(time.UnixMilli(49500).UTC()) || got.Duration() != 10*time.Second {
		t.Fatalf("recorded from %v, duration %v; want the video chunk's start and 10 s", got.RecordedFrom, got.Duration())
	}
	if got, err := st.GetSession(ctx, empty.ID); err != nil || !got.RecordedFrom.IsZero() {
		t.Fatalf("a session without media: recorded from %v (%v)", got.RecordedFrom, err)
	}
}
