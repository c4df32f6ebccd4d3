package storetest

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

const day = proctor.Day

func testRetentionSettings(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	r, err := st.InstitutionRetention(ctx(t))
	must(t, err)
	if r != proctor.DefaultRetention {
		t.Fatalf("before anything is set: %+v, want the defaults", r)
	}
	must(t, st.SetInstitutionRetention(ctx(t), proctor.Retention{MediaDays: 90, OnboardingDays: 400}, f.teacher.ID, t0))
	must(t, st.SetInstitutionRetention(ctx(t), proctor.Retention{MediaDays: 91, OnboardingDays: 401}, f.teacher.ID, t0))
	if r, err = st.InstitutionRetention(ctx(t)); err != nil || r != (proctor.Retention{MediaDays: 91, OnboardingDays: 401}) {
		t.Fatalf("after setting: %+v (%v)", r, err)
	}
	if err := st.SetInstitutionRetention(ctx(t), proctor.Retention{MediaDays: 0, OnboardingDays: 400}, 0, t0); err == nil {
		t.Fatal("a period of 0 days was stored")
	}

	if f.course.Retention != (proctor.Retention{}) {
		t.Fatalf("a new course has overrides: %+v", f.course.Retention)
	}
	must(t, st.SetCourseRetention(ctx(t), f.course.ID, proctor.Retention{MediaDays: 30}))
	c, err := st.GetCourse(ctx(t), f.course.ID)
	must(t, err)
	if c.Retention != (proctor.Retention{MediaDays: 30}) {
		t.Fatalf("override = %+v", c.Retention)
	}
	c.Title = "Renamed" // a title change from the LMS keeps the override
	must(t, st.UpdateCourse(ctx(t), c))
	list, err := st.ListCoursesForUser(ctx(t), f.teacher.ID)
	must(t, err)
	if len(list) != 1 || list[0].Retention.MediaDays != 30 || list[0].Title != "Renamed" {
		t.Fatalf("courses = %+v", list)
	}
	must(t, st.SetCourseRetention(ctx(t), f.course.ID, proctor.Retention{OnboardingDays: 3650}))
	if c, _ = st.GetCourse(ctx(t), f.course.ID); c.Retention != (proctor.Retention{OnboardingDays: 3650}) {
		t.Fatalf("override after change = %+v", c.Retention)
	}
	wantErr(t, st.SetCourseRetention(ctx(t), 999, proctor.Retention{MediaDays: 5}), store.ErrNotFound)
	other := proctor.Course{Code: "OTHER", Title: "Other", Enabled: true, Retention: proctor.Retention{MediaDays: 7, OnboardingDays: 8}}
	must(t, st.CreateCourse(ctx(t), &other))
	if c, _ = st.GetCourse(ctx(t), other.ID); c.Retention != other.Retention {
		t.Fatalf("created with overrides, read back %+v", c.Retention)
	}
}

// mediaSession is a session ended at end, holding two frames (one with a
// signal), a video chunk, an audio chunk with a signal, a verification
// and an onboarding photo, an event, a violation with a decision, a note
// and an analysis state.
func mediaSession(t *testing.T, st store.Store, f fixture, end time.Time) *proctor.Session {
	t.Helper()
	s := f.session(t, st)
	id := s.ID
	must(t, st.SetSessionState(ctx(t), id, proctor.StateCreated, proctor.StateSubmitted, end))
	for seq := range int64(2) {
		fr := frame(id, seq)
		fr.BlobKey = keyOf(id, "frames", seq)
		must(t, st.InsertFrame(ctx(t), fr))
	}
	must(t, st.SaveFrameSignals(ctx(t), []proctor.FrameSignal{{SessionID: id, Seq: 0, CapturedAt: t0, OK: true, Faces: 1}}))
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: id, Stream: proctor.StreamWebcam, Seq: 0, StartedAt: t0,
		DurationMS: 1000, BlobKey: keyOf(id, "video", 0), SHA256: "v", Size: 100, OpensSegment: true}))
	must(t, st.InsertAudio(ctx(t), &proctor.AudioChunk{SessionID: id, Seq: 0, StartedAt: t0, DurationMS: 1000,
		Format: "audio/basic", BlobKey: keyOf(id, "audio", 0), SHA256: "a", Size: 1000, ReceivedAt: t0}))
	must(t, st.SaveAudioSignals(ctx(t), id, 0, []proctor.AudioSignal{{Start: t0, DurMS: 500, Speech: 0.9}}, ""))
	for _, p := range []proctor.PhotoPurpose{proctor.PurposeVerification, proctor.PurposeOnboarding} {
		must(t, st.InsertPhoto(ctx(t), &proctor.Photo{SessionID: id, StudentID: s.StudentID, Purpose: p, Kind: proctor.PhotoFace,
			Attempt: 1, BlobKey: keyOf(id, "photos-"+string(p), 1), SHA256: "p", Size: 7, Passed: true, CapturedAt: t0, ReceivedAt: end}))
	}
	must(t, st.InsertEventBatch(ctx(t), id, proctor.SourceBrowser, 0, "e", []proctor.Event{{Kind: proctor.EventKey, At: t0, Combo: "Ctrl+C", Source: "browser"}}, t0))
	must(t, st.ReplaceViolations(ctx(t), id, []proctor.Violation{violation(proctor.LeftSession, 1, 5, true)}))
	vs, err := st.ListViolations(ctx(t), id)
	must(t, err)
	must(t, st.DecideViolation(ctx(t), vs[0].ID, proctor.DecisionConfirmed, "seen", f.teacher.ID, end))
	must(t, st.SetVerdict(ctx(t), id, proctor.VerdictFail, proctor.VerdictFail, end))
	must(t, st.AddNote(ctx(t), &proctor.Note{SessionID: id, AuthorID: f.teacher.ID, Body: "kept", CreatedAt: end}))
	must(t, st.SaveAnalysisState(ctx(t), id, []byte("thumbnail")))
	return s
}

func keyOf(sid int64, kind string, seq int64) string {
	return "sessions/" + itoa(sid) + "/" + kind + "/" + itoa(seq)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func testPurgeSessionMedia(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	short := proctor.Course{Code: "SHORT", Title: "Short", Enabled: true, Retention: proctor.Retention{MediaDays: 30}}
	must(t, st.CreateCourse(ctx(t), &short))
	shortExam := proctor.Exam{CourseID: short.ID, Title: "Quiz", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, st.CreateExam(ctx(t), &shortExam))
	shortStudent := proctor.Student{CourseID: short.ID, FirstName: "Alan", LastName: "Turing"}
	must(t, st.CreateStudent(ctx(t), &shortStudent))
	g := fixture{course: short, exam: shortExam, student: shortStudent, teacher: f.teacher}

	a := mediaSession(t, st, f, t0)                // default period
	b := mediaSession(t, st, g, t0.Add(time.Hour)) // 30 days
	open := f.session(t, st)                       // never ended: never due
	inst := proctor.Retention{MediaDays: 180, OnboardingDays: 365}

	due := func(now time.Time) []int64 {
		t.Helper()
		list, err := st.ExpiredMedia(ctx(t), inst, now, 10)
		must(t, err)
		var ids []int64
		for _, m := range list {
			ids = append(ids, m.SessionID)
		}
		return ids
	}
	if ids := due(t0.Add(30 * day)); len(ids) != 0 {
		t.Fatalf("due 30 days after the first ended (an hour early for the second): %v", ids)
	}
	list, err := st.ExpiredMedia(ctx(t), inst, t0.Add(30*day+time.Hour), 10)
	must(t, err)
	if len(list) != 1 || list[0].SessionID != b.ID || list[0].Days != 30 || list[0].CourseID != short.ID || !list[0].FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("due at exactly 30 days: %+v", list)
	}
	if ids := due(t0.Add(200 * day)); !slices.Equal(ids, []int64{a.ID, b.ID}) {
		t.Fatalf("due after 200 days: %v, want [%d %d] (longest ended first)", ids, a.ID, b.ID)
	}
	if ids := due(t0.Add(10 * 365 * day)); slices.Contains(ids, open.ID) {
		t.Fatal("a session that never ended is due")
	}

	keys, err := st.SessionMediaKeys(ctx(t), a.ID)
	must(t, err)
	slices.Sort(keys)
	want := []string{keyOf(a.ID, "audio", 0), keyOf(a.ID, "frames", 0), keyOf(a.ID, "frames", 1),
		keyOf(a.ID, "photos-verification", 1), keyOf(a.ID, "video", 0)}
	if !slices.Equal(keys, want) {
		t.Fatalf("media keys = %v, want %v (no onboarding photo)", keys, want)
	}

	purgedAt := t0.Add(181 * day)
	n, err := st.PurgeSessionMedia(ctx(t), a.ID, purgedAt)
	must(t, err)
	if n != (proctor.MediaCounts{Frames: 2, Chunks: 1, Audio: 1, Photos: 1, Bytes: 2*10 + 100 + 1000 + 7}) {
		t.Fatalf("counts = %+v", n)
	}
	_, err = st.PurgeSessionMedia(ctx(t), a.ID, purgedAt)
	wantErr(t, err, store.ErrConflict)
	_, err = st.PurgeSessionMedia(ctx(t), 999, purgedAt)
	wantErr(t, err, store.ErrNotFound)
	checkPurged(t, st, a, n, purgedAt)
	checkKept(t, st, b) // not yet due: untouched
	if ids := due(t0.Add(200 * day)); !slices.Equal(ids, []int64{b.ID}) {
		t.Fatalf("due after the purge: %v", ids)
	}
}

func checkPurged(t *testing.T, st store.Store, s *proctor.Session, n proctor.MediaCounts, at time.Time) {
	t.Helper()
	got, err := st.GetSession(ctx(t), s.ID)
	must(t, err)
	if !got.MediaPurgedAt.Equal(at) || !got.MediaPurged() || got.Purged != n || got.Verdict != proctor.VerdictFail || got.ReviewedVerdict != proctor.VerdictFail {
		t.Fatalf("purged session = %+v", got)
	}
	frames, _ := st.CountFrames(ctx(t), s.ID)
	fsigs, _ := st.ListFrameSignals(ctx(t), s.ID)
	chunks, _ := st.ListChunks(ctx(t), s.ID, proctor.StreamWebcam)
	asigs, _ := st.ListAudioSignals(ctx(t), s.ID)
	scans, _ := st.ListPhotos(ctx(t), s.ID, proctor.PurposeVerification)
	state, _ := st.AnalysisState(ctx(t), s.ID)
	_, audioErr := st.GetAudio(ctx(t), s.ID, 0)
	if frames != 0 || len(fsigs) != 0 || len(chunks) != 0 || len(asigs) != 0 || len(scans) != 0 || state != nil || audioErr == nil {
		t.Fatalf("media left: %d frames, %d frame signals, %d chunks, %d audio signals, %d scans, state %q, audio err %v",
			frames, len(fsigs), len(chunks), len(asigs), len(scans), state, audioErr)
	}
	onboarding, _ := st.ListPhotos(ctx(t), s.ID, proctor.PurposeOnboarding)
	events, _ := st.ListEvents(ctx(t), s.ID)
	vs, _ := st.ListViolations(ctx(t), s.ID)
	notes, _ := st.ListNotes(ctx(t), s.ID)
	if len(onboarding) != 1 || len(events) != 1 || len(vs) != 1 || vs[0].Decision != proctor.DecisionConfirmed || len(notes) != 1 {
		t.Fatalf("summary lost: %d onboarding photos, %d events, violations %+v, %d notes", len(onboarding), len(events), vs, len(notes))
	}
}

func checkKept(t *testing.T, st store.Store, s *proctor.Session) {
	t.Helper()
	got, _ := st.GetSession(ctx(t), s.ID)
	frames, _ := st.CountFrames(ctx(t), s.ID)
	keys, _ := st.SessionMediaKeys(ctx(t), s.ID)
	if got.MediaPurged() || frames != 2 || len(keys) != 5 {
		t.Fatalf("another session lost media: purged %v, %d frames, %d keys", got.MediaPurged(), frames, len(keys))
	}
}

func testOnboardingExpiry(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	other := proctor.Student{CourseID: f.course.ID, FirstName: "Ada", LastName: "Lovelace"}
	must(t, st.CreateStudent(ctx(t), &other))
	os := &proctor.Session{ExamID: f.exam.ID, StudentID: other.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, st.CreateSession(ctx(t), os))
	photo := func(sess *proctor.Session, purpose proctor.PhotoPurpose, kind proctor.PhotoKind, received time.Time) *proctor.Photo {
		p := &proctor.Photo{SessionID: sess.ID, StudentID: sess.StudentID, Purpose: purpose, Kind: kind, Attempt: 1,
			BlobKey: "k", SHA256: "s", Passed: true, CapturedAt: received, ReceivedAt: received}
		must(t, st.InsertPhoto(ctx(t), p))
		return p
	}
	oldFace := photo(s, proctor.PurposeOnboarding, proctor.PhotoFace, t0)
	newID := photo(s, proctor.PurposeOnboarding, proctor.PhotoID, t0.Add(100*day))
	photo(s, proctor.PurposeVerification, proctor.PhotoFace, t0) // not onboarding: never listed here
	otherFace := photo(os, proctor.PurposeOnboarding, proctor.PhotoFace, t0.Add(time.Hour))
	inst := proctor.Retention{MediaDays: 180, OnboardingDays: 365}

	list, err := st.ExpiredOnboarding(ctx(t), inst, t0.Add(365*day), 10)
	must(t, err)
	if len(list) != 1 || list[0].Photo.ID != oldFace.ID || list[0].Days != 365 || list[0].CourseID != f.course.ID || list[0].Photo.BlobKey != "k" {
		t.Fatalf("due after 365 days: %+v", list)
	}
	list, err = st.ExpiredOnboarding(ctx(t), inst, t0.Add(366*day), 10)
	must(t, err)
	if len(list) != 2 || list[0].Photo.StudentID != f.student.ID || list[1].Photo.ID != otherFace.ID {
		t.Fatalf("due after 366 days: %+v", list)
	}
	must(t, st.SetCourseRetention(ctx(t), f.course.ID, proctor.Retention{OnboardingDays: 30}))
	list, err = st.ExpiredOnboarding(ctx(t), inst, t0.Add(131*day), 10)
	must(t, err)
	if len(list) != 3 || list[0].Days != 30 {
		t.Fatalf("due with a 30-day course period: %+v", list)
	}

	// Another student's photo id is not deleted through this student.
	n, err := st.DeleteOnboardingPhotos(ctx(t), f.student.ID, []int64{oldFace.ID, otherFace.ID}, t0.Add(400*day))
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d, want 1", n)
	}
	left, _ := st.ListStudentPhotos(ctx(t), f.student.ID, proctor.PurposeOnboarding)
	if len(left) != 1 || left[0].ID != newID.ID {
		t.Fatalf("left = %+v", left)
	}
	if st1, _ := st.GetStudent(ctx(t), f.student.ID); !st1.OnboardingPurgedAt.Equal(t0.Add(400 * day)) {
		t.Fatalf("student = %+v", st1)
	}
	if st2, _ := st.GetStudent(ctx(t), other.ID); !st2.OnboardingPurgedAt.IsZero() {
		t.Fatalf("the other student is marked: %+v", st2)
	}
	if n, err := st.DeleteOnboardingPhotos(ctx(t), f.student.ID, []int64{oldFace.ID}, t0.Add(500*day)); err != nil || n != 0 {
		t.Fatalf("deleting again: %d, %v", n, err)
	}
	if st1, _ := st.GetStudent(ctx(t), f.student.ID); !st1.OnboardingPurgedAt.Equal(t0.Add(400 * day)) {
		t.Fatalf("a delete of nothing moved the mark: %+v", st1)
	}
}
