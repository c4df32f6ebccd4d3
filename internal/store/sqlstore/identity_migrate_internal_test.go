package sqlstore

import (
	"slices"
	"testing"

	"vigil/internal/proctor"
)

// TestIdentityMigrationSQLite: migration 0010 adds Different Person to the
// fail-at-once list of exams that fail at once for something, leaves a
// cleared list clear and never adds it twice; photos stored before it are
// "not compared".
func TestIdentityMigrationSQLite(t *testing.T) {
	ctx := t.Context()
	st := sqliteAt(t, func(v int) bool { return v < 10 })
	sess := newSession(t, st)
	// A photo stored by the old schema (its own columns only).
	_, err := st.writer.ExecContext(ctx, `INSERT INTO photos (session_id, student_id, purpose, kind, attempt, blob_key, sha256,
		size, passed, reason, faces, mean_luma, captured_at, received_at)
		VALUES (?, ?, 'verification', 'face', 1, 'k', 's', 1, 1, 'one face found', 1, 100, 0, 0)`, sess.ID, sess.StudentID)
	must(t, err)
	exams := map[string]string{
		"usual":   `{"policy":{"fail_at_once":["multiple_people","blacklisted_apps"],"fail_share":0.15}}`,
		"cleared": `{"policy":{"fail_at_once":[],"fail_share":0.15}}`,
		"none":    `{"policy":{"fail_at_once":null,"fail_share":0.15}}`,
		"already": `{"policy":{"fail_at_once":["different_person"],"fail_share":0.15}}`,
	}
	ids := map[string]int64{}
	for name, settings := range exams {
		var id int64
		err := st.writer.QueryRowContext(ctx, `INSERT INTO exams (course_id, title, opens_at, settings, created_at, updated_at)
			SELECT course_id, ?, 0, ?, 0, 0 FROM exams WHERE id = ? RETURNING id`, name, settings, sess.ExamID).Scan(&id)
		must(t, err)
		ids[name] = id
	}
	_, err = st.Migrate(ctx)
	must(t, err)
	want := map[string][]proctor.ViolationType{
		"usual":   {proctor.MultiplePeople, proctor.BlacklistedApps, proctor.DifferentPerson},
		"cleared": {}, "none": nil, "already": {proctor.DifferentPerson},
	}
	for name, id := range ids {
		e, err := st.GetExam(ctx, id)
		must(t, err)
		if !slices.Equal(e.Settings.Policy.FailAtOnce, want[name]) {
			t.Errorf("%s: fail at once %v, want %v", name, e.Settings.Policy.FailAtOnce, want[name])
		}
		if !e.Settings.DifferentPerson.Enabled {
			t.Errorf("%s: the Different Person rule is off after the migration", name)
		}
	}
	photos, err := st.ListPhotos(ctx, sess.ID, proctor.PurposeVerification)
	must(t, err)
	if len(photos) != 1 || photos[0].Identity != proctor.MatchNone {
		t.Fatalf("photos after the migration: %+v", photos)
	}
}
