package storetest

import (
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// testLinksOpenTheirSession: a link is bound to the session it opened,
// once; whether it may start a new attempt is kept.
func testLinksOpenTheirSession(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s1, s2 := f.session(t, st), f.session(t, st)
	must(t, st.CreateSessionLink(ctx(t), &store.SessionLink{TokenHash: "lms", ExamID: f.exam.ID, StudentID: f.student.ID,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, st.CreateSessionLink(ctx(t), &store.SessionLink{TokenHash: "dash", ExamID: f.exam.ID, StudentID: f.student.ID,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), NewAttempt: true}))
	must(t, st.CreateSessionLink(ctx(t), &store.SessionLink{TokenHash: "mail", ExamID: f.exam.ID, StudentID: f.student.ID,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), SessionID: s1.ID}))
	for hash, want := range map[string]store.SessionLink{"lms": {}, "dash": {NewAttempt: true}, "mail": {SessionID: s1.ID}} {
		l, err := st.GetSessionLink(ctx(t), hash)
		must(t, err)
		if l.SessionID != want.SessionID || l.NewAttempt != want.NewAttempt {
			t.Fatalf("link %s = %+v", hash, l)
		}
	}
	must(t, st.BindSessionLink(ctx(t), "dash", s2.ID))
	must(t, st.BindSessionLink(ctx(t), "dash", s1.ID)) // bound already: keeps s2
	if l, err := st.GetSessionLink(ctx(t), "dash"); err != nil || l.SessionID != s2.ID {
		t.Fatalf("bound link = %+v (%v), want session %d", l, err, s2.ID)
	}
	wantErr(t, st.BindSessionLink(ctx(t), "nope", s1.ID), store.ErrNotFound)
}

func testStudentReviewAndExplanations(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	on, err := st.StudentReview(ctx(t), f.course.ID)
	if err != nil || on {
		t.Fatalf("student review before any setting: %v (%v), want off", on, err)
	}
	must(t, st.SetStudentReview(ctx(t), f.course.ID, true, f.teacher.ID, t0))
	if on, err := st.StudentReview(ctx(t), f.course.ID); err != nil || !on {
		t.Fatalf("student review after switching on: %v (%v)", on, err)
	}
	_, err = st.GetReviewRelease(ctx(t), s.ID)
	wantErr(t, err, store.ErrNotFound)
	must(t, st.ReleaseReview(ctx(t), &proctor.ReviewRelease{SessionID: s.ID, ReleasedAt: t0, ReleasedBy: f.teacher.ID, ExplainUntil: t0.Add(48 * time.Hour)}))
	must(t, st.ReleaseReview(ctx(t), &proctor.ReviewRelease{SessionID: s.ID, ReleasedAt: t0.Add(time.Hour), ReleasedBy: f.teacher.ID, ExplainUntil: t0.Add(72 * time.Hour)}))
	r, err := st.GetReviewRelease(ctx(t), s.ID)
	must(t, err)
	if !r.ReleasedAt.Equal(t0) || !r.ExplainUntil.Equal(t0.Add(72*time.Hour)) || r.ReleasedBy != f.teacher.ID {
		t.Fatalf("release = %+v: want the first release time and the moved date", r)
	}

	must(t, st.SaveExplanation(ctx(t), &proctor.Explanation{SessionID: s.ID, ViolationKey: "multiple_people@b", Body: "my brother", UpdatedAt: t0}))
	must(t, st.SaveExplanation(ctx(t), &proctor.Explanation{SessionID: s.ID, ViolationKey: "background_audio@a", Body: "fire alarm", UpdatedAt: t0}))
	must(t, st.MarkExplanationsNotified(ctx(t), s.ID, t0, t0.Add(time.Minute)))
	// Unchanged: stays notified; changed: due again, first time kept.
	must(t, st.SaveExplanation(ctx(t), &proctor.Explanation{SessionID: s.ID, ViolationKey: "background_audio@a", Body: "fire alarm", UpdatedAt: t0.Add(time.Hour)}))
	must(t, st.SaveExplanation(ctx(t), &proctor.Explanation{SessionID: s.ID, ViolationKey: "multiple_people@b", Body: "my little brother", UpdatedAt: t0.Add(time.Hour)}))
	es, err := st.ListExplanations(ctx(t), s.ID)
	must(t, err)
	if len(es) != 2 || es[0].ViolationKey != "background_audio@a" || es[0].NotifiedAt.IsZero() ||
		es[1].Body != "my little brother" || !es[1].NotifiedAt.IsZero() || !es[1].CreatedAt.Equal(t0) || !es[1].UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("explanations = %+v", es)
	}
	// A digest covers what changed up to its moment, not after.
	must(t, st.MarkExplanationsNotified(ctx(t), s.ID, t0.Add(30*time.Minute), t0.Add(2*time.Hour)))
	if es, _ := st.ListExplanations(ctx(t), s.ID); !es[1].NotifiedAt.IsZero() {
		t.Fatal("an explanation changed after the digest's moment was marked notified")
	}
	other := f.session(t, st)
	counts, err := st.CountExamExplanations(ctx(t), f.exam.ID)
	must(t, err)
	if len(counts) != 1 || counts[s.ID] != 2 || counts[other.ID] != 0 {
		t.Fatalf("explanation counts = %v", counts)
	}
}

func testListUploads(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.InsertFrame(ctx(t), frame(s.ID, 1)))
	must(t, st.InsertFrame(ctx(t), frame(s.ID, 0)))
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamScreen, Seq: 0, StartedAt: t0, DurationMS: 9000,
		BlobKey: "s", SHA256: "sc", Size: 7}))
	must(t, st.InsertChunk(ctx(t), &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: 0, StartedAt: t0, DurationMS: 10000,
		BlobKey: "w", SHA256: "wc", Size: 8, OpensSegment: true}))
	must(t, st.InsertAudio(ctx(t), &proctor.AudioChunk{SessionID: s.ID, Seq: 0, StartedAt: t0, DurationMS: 5000, Format: "audio/basic",
		BlobKey: "a", SHA256: "au", Size: 40000, ReceivedAt: t0}))
	must(t, st.InsertEventBatch(ctx(t), s.ID, "browser", 0, "ev", nil, t0))
	must(t, st.InsertEventBatch(ctx(t), s.ID, "agent", 0, "agent", nil, t0))
	must(t, st.InsertPhoto(ctx(t), &proctor.Photo{SessionID: s.ID, StudentID: f.student.ID, Purpose: proctor.PurposeVerification,
		Kind: proctor.PhotoFace, Attempt: 1, BlobKey: "p", SHA256: "ph", Size: 3, CapturedAt: t0}))
	ups, err := st.ListUploads(ctx(t), s.ID)
	must(t, err)
	var got []string
	for _, u := range ups {
		got = append(got, u.Kind+":"+u.SHA256)
	}
	want := "frame:h frame:h chunk_screen:sc chunk_webcam:wc audio:au events:ev photo:ph"
	if s := strings.Join(got, " "); s != want || ups[0].Seq != 0 || ups[1].Seq != 1 || ups[3].DurationMS != 10000 || ups[4].Size != 40000 {
		t.Fatalf("uploads %q, want %q (%+v)", s, want, ups)
	}
}
