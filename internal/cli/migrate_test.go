package cli_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateQueuesMergedExams: after migrating, vigil migrate has the
// sessions of every exam migration 0011 merged others into decided again
// (one job each), and says so; a later run queues nothing more.
func TestMigrateQueuesMergedExams(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := run(t, "", "migrate", "--data", dir); code != 0 || strings.Contains(out, "decided again") {
		t.Fatalf("first migrate: exit %d, out %q, err %q", code, out, errOut)
	}
	for _, args := range [][]string{{"admin", "create-course", "--code", "BIO-1", "--title", "Biology"},
		{"admin", "create-exam", "--course", "BIO-1", "--title", "Quiz"}} {
		if code, _, errOut := run(t, "", append(args, "--data", dir)...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "vigil.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// What migration 0011 writes when it merges exam 7 (gone) into exam 1.
	if _, err := db.Exec(`INSERT INTO exam_merges (from_exam_id, into_exam_id, merged_at) VALUES (7, 1, 1)`); err != nil {
		t.Fatal(err)
	}
	jobs := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'redecide' AND json_extract(args, '$.exam_id') = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	code, out, errOut := run(t, "", "migrate", "--data", dir)
	if code != 0 || !strings.Contains(out, "1 exam(s) took in duplicates") || jobs() != 1 {
		t.Fatalf("migrate after a merge: exit %d, out %q, err %q, %d jobs", code, out, errOut, jobs())
	}
	if code, out, _ := run(t, "", "migrate", "--data", dir); code != 0 || strings.Contains(out, "duplicates") || jobs() != 1 {
		t.Fatalf("migrate again: exit %d, out %q, %d jobs", code, out, jobs())
	}
}
