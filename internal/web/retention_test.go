package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/jobs"
	"vigil/internal/proctor"
	"vigil/internal/store"
	"vigil/internal/testserver"
	"vigil/internal/testwait"
)

const day = proctor.Day

// course is a course of its own (the fixture's is TEST-1) with an exam,
// one student and the fixture's instructor.
type course struct {
	proctor.Course
	exam    proctor.Exam
	student proctor.Student
}

func newCourse(t *testing.T, srv *testserver.Server, code string, teacher *proctor.User) *course {
	t.Helper()
	ctx := context.Background()
	c := &course{Course: proctor.Course{Code: code, Title: "Course " + code, Enabled: true}}
	must(t, srv.Store.CreateCourse(ctx, &c.Course))
	must(t, srv.Store.AddCourseMember(ctx, c.ID, teacher.ID))
	c.exam = proctor.Exam{CourseID: c.ID, Title: "Final of " + code, Settings: proctor.DefaultSettings()}
	must(t, srv.Store.CreateExam(ctx, &c.exam))
	c.student = proctor.Student{CourseID: c.ID, FirstName: "Stu", LastName: code}
	must(t, srv.Store.CreateStudent(ctx, &c.student))
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recordSession plays a finished session with every kind of media through
// the API: 30 webcam frames with the student away for 12 s, a video chunk,
// an audio chunk, a verification photo, onboarding face and ID photos, and
// a blacklisted key. It waits for the verdict.
func recordSession(t *testing.T, srv *testserver.Server, examID, studentID int64) *proctor.Session {
	t.Helper()
	c := client{t, srv.URL}
	s := start(t, c, link(t, srv, examID, studentID))
	t0 := time.Now().UTC().Add(-50 * time.Second)
	when := func(sec int) map[string]string {
		return map[string]string{"X-Capture-Time": t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339Nano)}
	}
	put := func(path, ctype string, hdr map[string]string, body []byte) {
		t.Helper()
		if r := c.do("PUT", fmt.Sprintf("/api/v1/sessions/%d/%s", s.id, path), s.token, ctype, hdr, body); r.status != 200 {
			t.Fatalf("PUT %s: %d %s", path, r.status, r.raw)
		}
	}
	face, empty := jpegFile(t, "webcam320/biden_headshoulders.jpg"), jpegFile(t, "webcam320/desk_empty_320.jpg")
	put("photos/verification/face/1", "image/jpeg", when(0), face)
	put("photos/onboarding/face/1", "image/jpeg", when(0), face)
	put("photos/onboarding/id/1", "image/jpeg", when(0), face)
	for seq := range 30 {
		img := face
		if seq >= 10 && seq < 22 {
			img = empty
		}
		put(fmt.Sprintf("frames/%d", seq), "image/jpeg", when(seq), img)
	}
	hdr := when(0)
	hdr["X-Duration-Ms"] = "10000"
	put("chunks/webcam/0", "video/webm", hdr, webm())
	put("audio/0", "audio/basic", when(5), bytes.Repeat([]byte{0xFF, 0x7F, 0x80, 0x00}, 2000))
	events, _ := json.Marshal(map[string]any{"events": []proctor.EventInput{{Kind: proctor.EventKey, At: t0.Add(25 * time.Second), Combo: "Ctrl+C"}}})
	put("events/0", "application/json", nil, events)
	fin := c.do("POST", fmt.Sprintf("/api/v1/sessions/%d/finish", s.id), s.token, "application/json", nil,
		[]byte(`{"frames": 30, "event_batches": 1, "audio": 1, "chunks": {"webcam": 1}}`))
	if fin.status != 200 {
		t.Fatalf("finish: %d %s", fin.status, fin.raw)
	}
	return srv.WaitAnalysed(t, s.id)
}

func link(t *testing.T, srv *testserver.Server, examID, studentID int64) string {
	t.Helper()
	f := &testserver.Fixture{Exam: proctor.Exam{ID: examID}, Students: []proctor.Student{{ID: studentID}}}
	return srv.Link(t, f, 0)
}

// purge runs one pass of the purge job at the server's clock.
// waitStartupPurge waits for the purge the server's jobs run once at
// start (then hourly): on a busy machine it can start late, after the
// test moved the clock, and purge a session beside the test's own purge.
func waitStartupPurge(t *testing.T, srv *testserver.Server) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "vigil.db")+"?_pragma=busy_timeout(10000)")
	must(t, err)
	defer db.Close()
	testwait.Until(t, "the start-up retention purge to finish", time.Minute, func() bool {
		var n int
		must(t, db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'purge_media' AND state = 'completed'`).Scan(&n))
		return n > 0
	})
}

func purge(t *testing.T, srv *testserver.Server) jobs.PurgeReport {
	t.Helper()
	rep, err := jobs.Purge(context.Background(), jobs.Deps{Store: srv.Store, Blobs: srv.Blobs, Now: srv.Now, Log: testserver.Logger()}, time.Minute)
	must(t, err)
	return rep
}

// mediaSet is what a session's media looked like before the purge.
type mediaSet struct {
	keys       []string // session media blobs
	onboarding []proctor.Photo
	scanID     int64 // a verification photo's id
}

func mediaOf(t *testing.T, srv *testserver.Server, s *proctor.Session) mediaSet {
	t.Helper()
	ctx := context.Background()
	keys, err := srv.Store.SessionMediaKeys(ctx, s.ID)
	must(t, err)
	onb, err := srv.Store.ListPhotos(ctx, s.ID, proctor.PurposeOnboarding)
	must(t, err)
	scans, err := srv.Store.ListPhotos(ctx, s.ID, proctor.PurposeVerification)
	must(t, err)
	if len(keys) != 30+1+1+1 || len(onb) != 2 || len(scans) != 1 {
		t.Fatalf("session %d holds %d media keys, %d onboarding photos, %d scans", s.ID, len(keys), len(onb), len(scans))
	}
	for _, k := range keys {
		if _, err := srv.Blobs.Stat(ctx, k); err != nil {
			t.Fatalf("blob %s before the purge: %v", k, err)
		}
	}
	return mediaSet{keys: keys, onboarding: onb, scanID: scans[0].ID}
}

func blobsGone(t *testing.T, srv *testserver.Server, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, err := srv.Blobs.Stat(context.Background(), k); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("blob %s after the purge: %v", k, err)
		}
	}
}

func blobsKept(t *testing.T, srv *testserver.Server, photos []proctor.Photo) {
	t.Helper()
	for _, p := range photos {
		if _, err := srv.Blobs.Stat(context.Background(), p.BlobKey); err != nil {
			t.Fatalf("onboarding photo %s: %v", p.BlobKey, err)
		}
	}
}

func purgeEntries(t *testing.T, srv *testserver.Server, subject string) []proctor.AuditEntry {
	t.Helper()
	es, err := srv.Store.ListAudit(context.Background(), store.AuditFilter{Action: proctor.AuditRetentionPurged, Subject: subject})
	must(t, err)
	return es
}

// TestRetentionPurge records sessions in three courses — one with a
// 30-day override, one on the 180-day default, one with 400 days — moves
// the clock and runs the purge job, checking what goes, what stays, what
// the pages and media addresses say, and that re-deciding and running the
// job again change nothing.
func TestRetentionPurge(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	waitStartupPurge(t, srv)
	f := srv.NewFixture(t, 1, nil)
	short := &course{Course: f.Course, exam: f.Exam, student: f.Students[0]}
	def := newCourse(t, srv, "DEF-1", &f.Instructor)
	long := newCourse(t, srv, "LONG-1", &f.Instructor)
	admin := proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	must(t, srv.Store.CreateUser(ctx, &admin, ""))
	ac, acsrf := srv.SignIn(t, &admin)
	for _, o := range []struct {
		c                 *course
		media, onboarding string
	}{{short, "30", ""}, {def, "", "500"}, {long, "400", ""}} {
		res := post(t, ac, fmt.Sprintf("%s/admin/retention/courses/%d", srv.URL, o.c.ID),
			url.Values{"csrf": {acsrf}, "media_days": {o.media}, "onboarding_days": {o.onboarding}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("course %s override: %d", o.c.Code, res.StatusCode)
		}
	}

	sa := recordSession(t, srv, short.exam.ID, short.student.ID)
	sb := recordSession(t, srv, def.exam.ID, def.student.ID)
	sc := recordSession(t, srv, long.exam.ID, long.student.ID)
	ma, mb, mc := mediaOf(t, srv, sa), mediaOf(t, srv, sb), mediaOf(t, srv, sc)

	// The instructor decides and notes before the media goes.
	hc, csrf := srv.SignIn(t, &f.Instructor)
	before, err := srv.Store.ListViolations(ctx, sa.ID)
	must(t, err)
	if len(before) < 2 || !hasType(before, proctor.LeftSession) {
		t.Fatalf("violations before the purge: %+v", before)
	}
	post(t, hc, fmt.Sprintf("%s/violations/%d/decision", srv.URL, before[0].ID), url.Values{"csrf": {csrf}, "decision": {"confirmed"}, "note": {"seen on video"}})
	post(t, hc, fmt.Sprintf("%s/sessions/%d/notes", srv.URL, sa.ID), url.Values{"csrf": {csrf}, "note": {"Spoke to the student."}})
	before, _ = srv.Store.ListViolations(ctx, sa.ID)
	sa, _ = srv.Store.GetSession(ctx, sa.ID)

	until := sa.FinishedAt.Add(30 * day).Local().Format("2 Jan 2006")
	pageHas(t, hc, fmt.Sprintf("%s/sessions/%d", srv.URL, sa.ID), "Media kept until "+until+" (course retention: 30 days)", `id="player"`)
	pageHas(t, hc, fmt.Sprintf("%s/courses/%d", srv.URL, short.ID), "session media is deleted 30 days after each session ends (this course's period)",
		"onboarding photos 365 days after they were taken (institution default)")
	pageHas(t, hc, fmt.Sprintf("%s/courses/%d", srv.URL, long.ID), "deleted 400 days after")

	// 31 days on: only the 30-day course's session is due.
	srv.Advance(31 * day)
	if rep := purge(t, srv); rep.Sessions != 1 || rep.Students != 0 || rep.Objects != len(ma.keys) {
		t.Fatalf("purge after 31 days: %+v", rep)
	}
	blobsGone(t, srv, ma.keys)
	blobsKept(t, srv, ma.onboarding)
	checkSummaryKept(t, srv, sa, before)
	if es := purgeEntries(t, srv, fmt.Sprintf("session:%d", sa.ID)); len(es) != 1 || es[0].Actor != proctor.SystemActor ||
		es[0].CourseID != short.ID || !strings.Contains(es[0].Detail, "30 frames, 1 video chunks, 1 audio chunks, 1 verification photos") {
		t.Fatalf("audit of the purge: %+v", es)
	}
	for _, s := range []*proctor.Session{sb, sc} {
		if got, _ := srv.Store.GetSession(ctx, s.ID); got.MediaPurged() {
			t.Fatalf("session %d purged after 31 days", s.ID)
		}
	}

	hc, _ = srv.SignIn(t, &f.Instructor) // the clock moved past the sign-in's hour
	checkPurgedPages(t, srv, hc, sa, ma)
	checkRedecideKeeps(t, srv, sa, before)

	// Again: nothing more to do, nothing more logged.
	if rep := purge(t, srv); rep.Sessions != 0 || rep.Objects != 0 {
		t.Fatalf("second purge: %+v", rep)
	}
	if es := purgeEntries(t, srv, ""); len(es) != 1 {
		t.Fatalf("%d purge entries after running twice, want 1", len(es))
	}

	// 181 days: the default course's session; its student's onboarding
	// photos stay (their own period, 500 days in that course).
	srv.Advance(150 * day)
	if rep := purge(t, srv); rep.Sessions != 1 || rep.Students != 0 {
		t.Fatalf("purge after 181 days: %+v", rep)
	}
	blobsGone(t, srv, mb.keys)
	blobsKept(t, srv, mb.onboarding)
	if got, _ := srv.Store.GetSession(ctx, sc.ID); got.MediaPurged() {
		t.Fatal("the 400-day course's session was purged after 181 days")
	}

	// 366 days: onboarding photos on the 365-day default go, student by
	// student; the 400-day session keeps its media; the 500-day course's
	// onboarding photos stay.
	srv.Advance(185 * day)
	if rep := purge(t, srv); rep.Sessions != 0 || rep.Students != 2 || rep.Objects != 4 {
		t.Fatalf("purge after 366 days: %+v", rep)
	}
	blobsGone(t, srv, keysOf(ma.onboarding))
	blobsGone(t, srv, keysOf(mc.onboarding))
	blobsKept(t, srv, mb.onboarding)
	if got, _ := srv.Store.GetSession(ctx, sc.ID); got.MediaPurged() {
		t.Fatal("deleting onboarding photos purged a session")
	}
	for _, st := range []proctor.Student{short.student, long.student} {
		if es := purgeEntries(t, srv, fmt.Sprintf("student:%d", st.ID)); len(es) != 1 || !strings.Contains(es[0].Detail, "2 onboarding photo(s) deleted, each 365 days") {
			t.Fatalf("audit of student %d's onboarding purge: %+v", st.ID, es)
		}
	}
	hc, _ = srv.SignIn(t, &f.Instructor)
	pageHas(t, hc, fmt.Sprintf("%s/sessions/%d?tab=onboarding", srv.URL, sc.ID), "Onboarding photos older than 365 days were deleted on", "no onboarding photos yet")

	// 401 days, through River: a crash had already deleted one blob; an
	// object no row names (a crash before its row) goes too.
	srv.Advance(35 * day)
	must(t, srv.Blobs.Delete(ctx, mc.keys[0]))
	orphan := fmt.Sprintf("sessions/%d/frames/99999999-orphan.jpg", sc.ID)
	if _, err := srv.Blobs.Put(ctx, orphan, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	waitPurged(t, srv, sc.ID)
	blobsGone(t, srv, append(mc.keys, orphan))

	// 501 days: the last onboarding photos.
	srv.Advance(100 * day)
	if rep := purge(t, srv); rep.Students != 1 {
		t.Fatalf("purge after 501 days: %+v", rep)
	}
	blobsGone(t, srv, keysOf(mb.onboarding))
}

func hasType(vs []proctor.Violation, typ proctor.ViolationType) bool {
	for _, v := range vs {
		if v.Type == typ {
			return true
		}
	}
	return false
}

func keysOf(ps []proctor.Photo) []string {
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.BlobKey)
	}
	return keys
}

func pageHas(t *testing.T, c *http.Client, u string, want ...string) string {
	t.Helper()
	status, body := get(t, c, u)
	if status != 200 {
		t.Fatalf("GET %s: %d\n%.500s", u, status, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("GET %s: page lacks %q", u, w)
		}
	}
	return body
}

// checkSummaryKept: the rows of the media are gone; the session, its
// verdict, violations with decisions, notes and events stay.
func checkSummaryKept(t *testing.T, srv *testserver.Server, s *proctor.Session, before []proctor.Violation) {
	t.Helper()
	ctx := context.Background()
	got, err := srv.Store.GetSession(ctx, s.ID)
	must(t, err)
	if !got.MediaPurged() || got.Purged.Frames != 30 || got.Purged.Chunks != 1 || got.Purged.Audio != 1 || got.Purged.Photos != 1 || got.Purged.Bytes == 0 {
		t.Fatalf("purged session: %+v", got)
	}
	if got.Verdict != s.Verdict || got.Verdict == proctor.VerdictNone || got.State != proctor.StateAnalyzed {
		t.Fatalf("verdict %q (was %q), state %s", got.Verdict, s.Verdict, got.State)
	}
	frames, _ := srv.Store.CountFrames(ctx, s.ID)
	sigs, _ := srv.Store.ListFrameSignals(ctx, s.ID)
	chunks, _ := srv.Store.ListChunks(ctx, s.ID, proctor.StreamWebcam)
	scans, _ := srv.Store.ListPhotos(ctx, s.ID, proctor.PurposeVerification)
	asigs, _ := srv.Store.ListAudioSignals(ctx, s.ID)
	keys, _ := srv.Store.SessionMediaKeys(ctx, s.ID)
	if frames != 0 || len(sigs) != 0 || len(chunks) != 0 || len(scans) != 0 || len(asigs) != 0 || len(keys) != 0 {
		t.Fatalf("rows left: %d frames, %d signals, %d chunks, %d scans, %d audio signals, %d keys", frames, len(sigs), len(chunks), len(scans), len(asigs), len(keys))
	}
	sameViolations(t, srv, s.ID, before)
	notes, _ := srv.Store.ListNotes(ctx, s.ID)
	events, _ := srv.Store.ListEvents(ctx, s.ID)
	if len(notes) != 1 || len(events) != 1 {
		t.Fatalf("%d notes, %d events after the purge", len(notes), len(events))
	}
}

func sameViolations(t *testing.T, srv *testserver.Server, sid int64, before []proctor.Violation) {
	t.Helper()
	after, err := srv.Store.ListViolations(context.Background(), sid)
	must(t, err)
	if len(after) != len(before) {
		t.Fatalf("%d violations, %d before", len(after), len(before))
	}
	for i := range after {
		if after[i].Key() != before[i].Key() || after[i].Decision != before[i].Decision || after[i].DecisionNote != before[i].DecisionNote {
			t.Fatalf("violation %d: %+v, was %+v", i, after[i], before[i])
		}
	}
	if before[0].Decision != proctor.DecisionConfirmed {
		t.Fatalf("the decision was not kept: %+v", before[0])
	}
}

// checkPurgedPages: the session page says the media is gone instead of
// showing players and snapshots; media addresses answer 410 or 404.
func checkPurgedPages(t *testing.T, srv *testserver.Server, c *http.Client, s *proctor.Session, m mediaSet) {
	t.Helper()
	got, _ := srv.Store.GetSession(context.Background(), s.ID)
	deleted := "Media deleted on " + got.MediaPurgedAt.Local().Format("2 Jan 2006") + " under the retention policy (summary kept)"
	base := fmt.Sprintf("%s/sessions/%d", srv.URL, s.ID)
	body := pageHas(t, c, base, deleted, `id="media-deleted"`, "30 webcam frames, video, audio (deleted)", "Left Session")
	if strings.Contains(body, `id="player"`) || strings.Contains(body, "player.") {
		t.Error("the purged session's page still has the player")
	}
	body = pageHas(t, c, base+"?tab=violations", "Snapshots deleted with the session", `value="confirmed" checked`)
	if strings.Contains(body, "/media/sessions/") {
		t.Error("the violations tab still points at frames")
	}
	pageHas(t, c, base+"?tab=scans", "verification scan(s) of this quiz were deleted")
	pageHas(t, c, base+"?tab=onboarding", "Onboarding profile")
	for _, u := range []string{"/frames/0", "/frames/29", "/video/webcam.webm"} {
		status, body := get(t, c, fmt.Sprintf("%s/media/sessions/%d%s", srv.URL, s.ID, u))
		if status != http.StatusGone || !strings.Contains(body, "deleted on") || !strings.Contains(body, "retention policy") {
			t.Fatalf("GET media %s of a purged session: %d\n%.300s", u, status, body)
		}
	}
	if status, body := get(t, c, fmt.Sprintf("%s/media/photos/%d", srv.URL, m.scanID)); status != http.StatusNotFound || !strings.Contains(body, "retention policy") {
		t.Fatalf("GET a deleted scan: %d %s", status, body)
	}
	if status, _ := get(t, c, fmt.Sprintf("%s/media/photos/%d", srv.URL, m.onboarding[0].ID)); status != 200 {
		t.Fatalf("GET an onboarding photo (kept): %d", status)
	}
	if status, body := get(t, c, base+"/timeline.json"); status != 200 || !strings.Contains(body, `"frames":[]`) {
		t.Fatalf("timeline of a purged session: %d %.200s", status, body)
	}
}

// checkRedecideKeeps: a settings change re-decides the exam's sessions
// from their signals; a purged session has none left and keeps its
// violations, and its settings page says so.
func checkRedecideKeeps(t *testing.T, srv *testserver.Server, s *proctor.Session, before []proctor.Violation) {
	t.Helper()
	ctx := context.Background()
	must(t, srv.Store.InTx(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, jobargs.Redecide{ExamID: s.ExamID}) }))
	waitJobs(t, srv, jobargs.Redecide{}.Kind())
	sameViolations(t, srv, s.ID, before)
	purged, err := srv.Store.GetSession(ctx, s.ID)
	must(t, err)
	if err := srv.Store.InTx(ctx, func(tx store.Tx) error { return jobs.Decide(ctx, tx, purged, srv.Now(), srv.URL) }); proctor.CodeOf(err) != proctor.CodeGone {
		t.Fatalf("Decide on a purged session: %v", err)
	}
	sameViolations(t, srv, s.ID, before)
}

// waitJobs waits until every job of a kind has completed.
func waitJobs(t *testing.T, srv *testserver.Server, kind string) {
	t.Helper()
	client, err := river.NewClient(srv.Store.RiverDriver(), &river.Config{})
	must(t, err)
	testwait.For(t, "every "+kind+" job to finish (the number still waiting)", 30*time.Second, func() (int, bool) {
		res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds(kind).States(
			rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending))
		must(t, err)
		return len(res.Jobs), len(res.Jobs) == 0
	})
}

func waitPurged(t *testing.T, srv *testserver.Server, sid int64) {
	t.Helper()
	ctx := context.Background()
	testwait.Until(t, fmt.Sprintf("session %d to be purged by the job", sid), 60*time.Second, func() bool {
		s, err := srv.Store.GetSession(ctx, sid)
		must(t, err)
		if s.MediaPurged() {
			return true
		}
		// Ask for a purge until one runs after the clock moved: the
		// periodic purge River starts on its own may be running with the
		// clock of before, and while it runs a new request is folded into
		// it (one waiting or running purge is enough).
		must(t, srv.Store.InTx(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, jobargs.PurgeMedia{}) }))
		return false
	})
}

// TestRetentionSettings: only administrators reach the settings; values
// out of range are refused with the reason, nothing changes and the typed
// values stay in the form; a change is saved and logged with old → new.
func TestRetentionSettings(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{NoWorker: true})
	ctx := context.Background()
	f := srv.NewFixture(t, 1, nil)
	admin := proctor.User{Email: "root@example.edu", Name: "Root Admin", Role: proctor.RoleAdmin}
	must(t, srv.Store.CreateUser(ctx, &admin, ""))
	ic, icsrf := srv.SignIn(t, &f.Instructor)
	for _, p := range []string{"/admin", "/admin/audit", "/admin/audit.csv"} {
		if status, _ := get(t, ic, srv.URL+p); status != http.StatusNotFound {
			t.Errorf("instructor GET %s: %d, want 404", p, status)
		}
	}
	for _, p := range []string{"/admin/retention", fmt.Sprintf("/admin/retention/courses/%d", f.Course.ID)} {
		if res := post(t, ic, srv.URL+p, url.Values{"csrf": {icsrf}, "media_days": {"1"}, "onboarding_days": {"1"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("instructor POST %s: %d, want 404", p, res.StatusCode)
		}
	}

	ac, csrf := srv.SignIn(t, &admin)
	pageHas(t, ac, srv.URL+"/admin", `id="retention"`, `name="media_days" min="1" max="3650" step="1" required value="180"`,
		`value="365"`, "Until you save, Vigil keeps session media 180 days", f.Course.Code)
	if res := post(t, ac, srv.URL+"/admin/retention", url.Values{"media_days": {"90"}, "onboarding_days": {"400"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d", res.StatusCode)
	}
	bad := []struct{ path, media, onboarding, want string }{
		{"/admin/retention", "abc", "365", `Session media: enter whole days from 1 to 3650 (got &#34;abc&#34;)`},
		{"/admin/retention", "0", "365", `(got &#34;0&#34;)`},
		{"/admin/retention", "3651", "365", `(got &#34;3651&#34;)`},
		{"/admin/retention", "90.5", "365", `(got &#34;90.5&#34;)`},
		{"/admin/retention", "", "365", "Session media: enter whole days from 1 to 3650"},
		{"/admin/retention", "90", "-1", "Onboarding photos: enter whole days from 1 to 3650"},
		{fmt.Sprintf("/admin/retention/courses/%d", f.Course.ID), "7 days", "", `or leave it empty for the institution&#39;s default (got &#34;7 days&#34;)`},
	}
	for _, b := range bad {
		res, err := ac.PostForm(srv.URL+b.path, url.Values{"csrf": {csrf}, "media_days": {b.media}, "onboarding_days": {b.onboarding}})
		must(t, err)
		body := readBody(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, b.want) || !strings.Contains(body, "Retention not changed.") {
			t.Errorf("POST %s %q/%q: %d, want 400 with %q", b.path, b.media, b.onboarding, res.StatusCode, b.want)
		}
		if !strings.Contains(body, `value="`+b.media+`"`) {
			t.Errorf("POST %s %q: the typed value is not kept in the form", b.path, b.media)
		}
	}
	inst, _ := srv.Store.InstitutionRetention(ctx)
	c, _ := srv.Store.GetCourse(ctx, f.Course.ID)
	if inst != proctor.DefaultRetention || c.Retention != (proctor.Retention{}) {
		t.Fatalf("refused forms changed the settings: %+v, %+v", inst, c.Retention)
	}
	if es, _ := srv.Store.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditRetentionSettings}); len(es) != 0 {
		t.Fatalf("refused forms were logged: %+v", es)
	}

	res := post(t, ac, srv.URL+"/admin/retention", url.Values{"csrf": {csrf}, "media_days": {" 90 "}, "onboarding_days": {"400"}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "Nothing+is+past") {
		t.Fatalf("save defaults: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res = post(t, ac, fmt.Sprintf("%s/admin/retention/courses/%d", srv.URL, f.Course.ID), url.Values{"csrf": {csrf}, "media_days": {"30"}, "onboarding_days": {""}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save course: %d", res.StatusCode)
	}
	if inst, _ = srv.Store.InstitutionRetention(ctx); inst != (proctor.Retention{MediaDays: 90, OnboardingDays: 400}) {
		t.Fatalf("institution = %+v", inst)
	}
	if c, _ = srv.Store.GetCourse(ctx, f.Course.ID); c.Retention != (proctor.Retention{MediaDays: 30}) {
		t.Fatalf("course = %+v", c.Retention)
	}
	es, _ := srv.Store.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditRetentionSettings})
	if len(es) != 2 || es[1].Detail != "session media 180 days → 90 days; onboarding photos 365 days → 400 days" || es[1].CourseID != 0 ||
		es[0].Detail != "TEST-1: session media institution default (90 days) → 30 days; onboarding photos institution default (400 days) → institution default (400 days)" ||
		es[0].CourseID != f.Course.ID || es[0].UserID != admin.ID || es[0].Remote != "127.0.0.1" {
		t.Fatalf("audit of the changes: %+v", es)
	}
	pageHas(t, ac, srv.URL+"/admin", `required value="90"`, `id="rm-`+fmt.Sprint(f.Course.ID)+`" name="media_days" min="1" max="3650" step="1" placeholder="default" value="30"`)
	pageHas(t, ic, fmt.Sprintf("%s/courses/%d", srv.URL, f.Course.ID), "deleted 30 days after each session ends (this course's period); onboarding photos 400 days after they were taken (institution default)")

	// Saving what is stored already changes and logs nothing.
	post(t, ac, srv.URL+"/admin/retention", url.Values{"csrf": {csrf}, "media_days": {"90"}, "onboarding_days": {"400"}})
	if es, _ := srv.Store.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditRetentionSettings}); len(es) != 2 {
		t.Fatalf("an unchanged save was logged: %d entries", len(es))
	}
	if res := post(t, ac, srv.URL+"/admin/retention/courses/999", url.Values{"csrf": {csrf}, "media_days": {"30"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown course: %d", res.StatusCode)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return string(b)
}
