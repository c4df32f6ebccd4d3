package review

import (
	"database/sql"
	"testing"

	"vigil/internal/proctor"
)

// TestRedecideMergedQueuesEachMergeOnce: an exam that migration 0011
// merged others into has its sessions decided again — one job for it,
// however many were merged into it, and none on the next run.
func TestRedecideMergedQueuesEachMergeOnce(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := t.Context()
	db, err := sql.Open("sqlite", "file:"+w.path+"?_pragma=busy_timeout(10000)")
	must(t, err)
	defer db.Close()
	// What the migration writes (nothing else does): two exams, since
	// deleted, went into w.exam.
	_, err = db.ExecContext(ctx, `INSERT INTO exam_merges (from_exam_id, into_exam_id, merged_at) VALUES (901, ?, 1), (902, ?, 1)`,
		w.exam.ID, w.exam.ID)
	must(t, err)
	jobs := func() (n int, exam int64) {
		t.Helper()
		must(t, db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(json_extract(args, '$.exam_id')), 0) FROM river_job
			WHERE kind = 'redecide'`).Scan(&n, &exam))
		return n, exam
	}
	n, err := w.svc.RedecideMerged(ctx)
	must(t, err)
	if count, exam := jobs(); n != 1 || count != 1 || exam != w.exam.ID {
		t.Fatalf("RedecideMerged = %d; %d redecide jobs (exam %d), want one for exam %d", n, count, exam, w.exam.ID)
	}
	n, err = w.svc.RedecideMerged(ctx)
	must(t, err)
	if count, _ := jobs(); n != 0 || count != 1 {
		t.Fatalf("again: RedecideMerged = %d, %d jobs; want nothing more", n, count)
	}
}
