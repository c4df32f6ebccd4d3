package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testNotes(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.AddNote(ctx(t), &proctor.Note{SessionID: s.ID, AuthorID: f.teacher.ID, Body: "spoke to student", CreatedAt: t0}))
	must(t, st.AddNote(ctx(t), &proctor.Note{SessionID: s.ID, AuthorID: f.teacher.ID, Body: "second", CreatedAt: t0.Add(time.Minute)}))
	notes, err := st.ListNotes(ctx(t), s.ID)
	must(t, err)
	if len(notes) != 2 || notes[0].Body != "spoke to student" || notes[0].Author != "Ada Teacher" {
		t.Fatalf("ListNotes = %+v", notes)
	}
	must(t, st.SetReviewed(ctx(t), s.ID, true, f.teacher.ID, t0))
	got, err := st.GetSession(ctx(t), s.ID)
	must(t, err)
	if !got.Reviewed || got.ReviewedBy != f.teacher.ID || !got.ReviewedAt.Equal(t0) {
		t.Fatalf("reviewed = %+v", got)
	}
	must(t, st.SetReviewed(ctx(t), s.ID, false, f.teacher.ID, t0))
	got, err = st.GetSession(ctx(t), s.ID)
	must(t, err)
	if got.Reviewed || got.ReviewedBy != 0 {
		t.Fatalf("unreviewed = %+v", got)
	}
}

func testAudit(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	entries := []proctor.AuditEntry{
		{At: t0, UserID: f.teacher.ID, Actor: "ada", Action: proctor.AuditSessionView, CourseID: f.course.ID, Subject: "session:1", Remote: "127.0.0.1"},
		{At: t0.Add(time.Minute), UserID: f.teacher.ID, Action: proctor.AuditViolationDecide, CourseID: f.course.ID, Subject: "violation:3", Detail: "excused"},
		{At: t0.Add(2 * time.Minute), UserID: 0, Action: proctor.AuditSessionView, CourseID: 77},
	}
	for i := range entries {
		must(t, st.AppendAudit(ctx(t), &entries[i]))
	}
	all, err := st.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)
	if len(all) != 3 || all[0].CourseID != 77 {
		t.Fatalf("ListAudit newest first = %+v", all)
	}
	course, err := st.ListAudit(ctx(t), store.AuditFilter{CourseID: f.course.ID, Action: proctor.AuditSessionView})
	must(t, err)
	if len(course) != 1 || course[0].Remote != "127.0.0.1" || course[0].Subject != "session:1" {
		t.Fatalf("filtered = %+v", course)
	}
	window, err := st.ListAudit(ctx(t), store.AuditFilter{Since: t0.Add(30 * time.Second), Until: t0.Add(90 * time.Second), UserID: f.teacher.ID})
	must(t, err)
	if len(window) != 1 || window[0].Action != proctor.AuditViolationDecide {
		t.Fatalf("time window = %+v", window)
	}
	subject, err := st.ListAudit(ctx(t), store.AuditFilter{Subject: "violation:3"})
	must(t, err)
	if len(subject) != 1 || subject[0].Detail != "excused" {
		t.Fatalf("by subject = %+v", subject)
	}
}

func testAccess(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	w := &store.WebSession{TokenHash: "wh", UserID: f.teacher.ID, CSRFToken: "csrf", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, st.CreateWebSession(ctx(t), w))
	got, err := st.GetWebSession(ctx(t), "wh", t0)
	must(t, err)
	if got.UserID != f.teacher.ID || got.CSRFToken != "csrf" {
		t.Fatalf("GetWebSession = %+v", got)
	}
	_, err = st.GetWebSession(ctx(t), "wh", t0.Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)
	must(t, st.DeleteWebSession(ctx(t), "wh"))
	_, err = st.GetWebSession(ctx(t), "wh", t0)
	wantErr(t, err, store.ErrNotFound)

	must(t, st.CreateSignInLink(ctx(t), "lh", f.teacher.ID, t0.Add(time.Hour)))
	must(t, st.CreateSignInLink(ctx(t), "old", f.teacher.ID, t0.Add(-time.Hour)))
	uid, err := st.UseSignInLink(ctx(t), "lh", t0)
	must(t, err)
	if uid != f.teacher.ID {
		t.Fatalf("UseSignInLink = %d", uid)
	}
	_, err = st.UseSignInLink(ctx(t), "lh", t0)
	wantErr(t, err, store.ErrNotFound) // single use
	_, err = st.UseSignInLink(ctx(t), "old", t0)
	wantErr(t, err, store.ErrNotFound) // expired
}

type testJob struct {
	SessionID int64 `json:"session_id"`
}

func (testJob) Kind() string { return "storetest_job" }

func testTx(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	boom := errors.New("boom")
	err := st.InTx(ctx(t), func(tx store.Tx) error {
		must(t, tx.InsertFrame(ctx(t), frame(s.ID, 0)))
		must(t, tx.Enqueue(ctx(t), testJob{SessionID: s.ID}))
		// The transaction reads its own write.
		if _, err := tx.GetFrame(ctx(t), s.ID, 0); err != nil {
			t.Errorf("tx does not see its own insert: %v", err)
		}
		return boom
	})
	wantErr(t, err, boom)
	if n, _ := st.CountFrames(ctx(t), s.ID); n != 0 {
		t.Fatal("a rolled-back frame was stored")
	}
	if n := countJobs(t, st); n != 0 {
		t.Fatalf("a rolled-back job was enqueued (%d jobs)", n)
	}
	must(t, st.InTx(ctx(t), func(tx store.Tx) error {
		if err := tx.InsertFrame(ctx(t), frame(s.ID, 0)); err != nil {
			return err
		}
		return tx.Enqueue(ctx(t), testJob{SessionID: s.ID})
	}))
	if n, _ := st.CountFrames(ctx(t), s.ID); n != 1 {
		t.Fatal("a committed frame is missing")
	}
	if n := countJobs(t, st); n != 1 {
		t.Fatalf("committed job count = %d, want 1", n)
	}
	have, want, err := st.SchemaVersion(ctx(t))
	must(t, err)
	if have != want || want < 1 {
		t.Fatalf("schema version %d of %d", have, want)
	}
}

func countJobs(t *testing.T, st store.Store) int {
	t.Helper()
	return len(listJobs(t, st, "storetest_job"))
}

func listJobs(t *testing.T, st store.Store, kind string) []*rivertype.JobRow {
	t.Helper()
	client, err := river.NewClient(st.RiverDriver(), &river.Config{})
	must(t, err)
	res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds(kind))
	must(t, err)
	return res.Jobs
}

// uniqueJob is unique by its arguments while one waits or runs, as
// jobargs.AnalyzeSession is.
type uniqueJob struct {
	SessionID int64 `json:"session_id"`
}

func (uniqueJob) Kind() string { return "storetest_unique" }

func (uniqueJob) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		rivertype.JobStateRunning}}}
}

// testUniqueJobs: a unique job enqueued again while one waits is not
// inserted twice; one enqueued in a transaction that rolled back is not
// there, and the next enqueue inserts it; once the job has left the unique
// states (cancelled here) the next enqueue inserts a new one.
func testUniqueJobs(t *testing.T, st store.Store) {
	enqueue := func(id int64, fail error) error {
		return st.InTx(ctx(t), func(tx store.Tx) error {
			if err := tx.Enqueue(ctx(t), uniqueJob{SessionID: id}); err != nil {
				return err
			}
			return fail
		})
	}
	boom := errors.New("boom")
	wantErr(t, enqueue(1, boom), boom)
	if n := len(listJobs(t, st, "storetest_unique")); n != 0 {
		t.Fatalf("%d jobs after a rolled-back enqueue", n)
	}
	for range 3 {
		must(t, enqueue(1, nil))
	}
	must(t, enqueue(2, nil))
	jobs := listJobs(t, st, "storetest_unique")
	if len(jobs) != 2 {
		t.Fatalf("%d jobs for two sessions enqueued 3 and 1 times, want 2", len(jobs))
	}
	client, err := river.NewClient(st.RiverDriver(), &river.Config{})
	must(t, err)
	for _, j := range jobs {
		var args uniqueJob
		must(t, json.Unmarshal(j.EncodedArgs, &args))
		if args.SessionID == 1 {
			_, err := client.JobCancel(ctx(t), j.ID)
			must(t, err)
		}
	}
	must(t, enqueue(1, nil))
	must(t, enqueue(1, nil))
	if n := len(listJobs(t, st, "storetest_unique")); n != 3 {
		t.Fatalf("%d jobs after session 1's job was cancelled and enqueued twice more, want 3", n)
	}
}

// testAuditPaging pages back through the log newest first, with entries
// whose times are out of id order and entries sharing a time, and filters
// by actor name.
func testAuditPaging(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	other := proctor.User{Email: "bob@example.edu", Name: "Bob", Role: proctor.RoleAdmin}
	must(t, st.CreateUser(ctx(t), &other, ""))
	users, err := st.ListUsers(ctx(t))
	must(t, err)
	if len(users) != 2 || users[0].Name != "Ada Teacher" || users[1].Email != "bob@example.edu" {
		t.Fatalf("ListUsers = %+v", users)
	}
	minutes := []int{5, 1, 3, 3, 3, 0, 4, 2}
	for i, m := range minutes {
		e := &proctor.AuditEntry{At: t0.Add(time.Duration(m) * time.Minute), Action: "x", Detail: fmt.Sprint(i)}
		switch i % 3 {
		case 0:
			e.UserID, e.Actor = f.teacher.ID, f.teacher.Email
		case 1:
			e.Actor = "System"
		}
		must(t, st.AppendAudit(ctx(t), e))
	}
	var seen []string
	before := int64(0)
	for range 10 {
		page, err := st.ListAudit(ctx(t), store.AuditFilter{BeforeID: before, Limit: 3})
		must(t, err)
		for _, e := range page {
			seen = append(seen, e.Detail)
		}
		if len(page) < 3 {
			break
		}
		before = page[len(page)-1].ID
	}
	// Newest first by time; equal times newest id first.
	if want := []string{"0", "6", "4", "3", "2", "7", "1", "5"}; !slices.Equal(seen, want) {
		t.Fatalf("pages = %v, want %v", seen, want)
	}
	sys, err := st.ListAudit(ctx(t), store.AuditFilter{Actor: "system"})
	must(t, err)
	if len(sys) != 3 {
		t.Fatalf("actor system: %d entries, want 3", len(sys))
	}
	either, err := st.ListAudit(ctx(t), store.AuditFilter{UserID: f.teacher.ID, Actor: "system"})
	must(t, err)
	if len(either) != 6 {
		t.Fatalf("teacher or system: %d entries, want 6", len(either))
	}
	none, err := st.ListAudit(ctx(t), store.AuditFilter{BeforeID: 999})
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("before an unknown entry: %d entries", len(none))
	}
}
