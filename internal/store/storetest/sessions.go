package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testSessionAttempts(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	first := f.session(t, st)
	second := f.session(t, st)
	if first.Attempt != 1 || second.Attempt != 2 {
		t.Fatalf("attempts %d, %d; want 1, 2", first.Attempt, second.Attempt)
	}
	latest, err := st.LatestSession(ctx(t), f.exam.ID, f.student.ID)
	must(t, err)
	if latest.ID != second.ID || latest.State != proctor.StateCreated || !latest.ClientStartedAt.Equal(t0) {
		t.Fatalf("LatestSession = %+v", latest)
	}

	// Concurrent starts must still get distinct attempt numbers.
	var wg sync.WaitGroup
	attempts := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			s := &proctor.Session{ExamID: f.exam.ID, StudentID: f.student.ID, CreatedAt: t0, ClientStartedAt: t0}
			if err := st.CreateSession(ctx(t), s); err != nil {
				t.Error(err)
				return
			}
			attempts <- s.Attempt
		})
	}
	wg.Wait()
	close(attempts)
	seen := map[int]bool{}
	for a := range attempts {
		if seen[a] {
			t.Fatalf("attempt %d given twice", a)
		}
		seen[a] = true
	}
	_, err = st.LatestSession(ctx(t), f.exam.ID, 9999)
	wantErr(t, err, store.ErrNotFound)
}

func testSessionStates(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.SetSessionState(ctx(t), s.ID, proctor.StateCreated, proctor.StateInProgress, t0))
	// A stale "from" is a conflict, as is a move the state machine forbids.
	wantErr(t, st.SetSessionState(ctx(t), s.ID, proctor.StateCreated, proctor.StateInProgress, t0), store.ErrConflict)
	wantErr(t, st.SetSessionState(ctx(t), s.ID, proctor.StateInProgress, proctor.StateAnalyzed, t0), store.ErrConflict)
	end := t0.Add(time.Hour)
	must(t, st.SetSessionState(ctx(t), s.ID, proctor.StateInProgress, proctor.StateSubmitted, end))
	must(t, st.SetSessionState(ctx(t), s.ID, proctor.StateSubmitted, proctor.StateAnalyzed, end.Add(time.Second)))
	got, err := st.GetSession(ctx(t), s.ID)
	must(t, err)
	if got.State != proctor.StateAnalyzed || !got.FinishedAt.Equal(end) || !got.AnalyzedAt.Equal(end.Add(time.Second)) {
		t.Fatalf("after moves: %+v", got)
	}

	must(t, st.TouchCapture(ctx(t), s.ID, t0.Add(30*time.Minute)))
	must(t, st.TouchCapture(ctx(t), s.ID, t0.Add(10*time.Minute))) // never lowers
	must(t, st.AddSessionSource(ctx(t), s.ID, "browser"))
	must(t, st.AddSessionSource(ctx(t), s.ID, "agent"))
	must(t, st.AddSessionSource(ctx(t), s.ID, "browser"))
	got, err = st.GetSession(ctx(t), s.ID)
	must(t, err)
	if !got.LastCaptureAt.Equal(t0.Add(30*time.Minute)) || got.Duration() != 0 || !got.RecordedFrom.IsZero() {
		t.Fatalf("events only: last capture %v, recorded from %v, duration %v", got.LastCaptureAt, got.RecordedFrom, got.Duration())
	}
	// Recorded media sets the recording's start (lowering it, never
	// raising it) and the last capture (raising it, never lowering it).
	must(t, st.TouchRecording(ctx(t), s.ID, t0.Add(5*time.Minute), t0.Add(6*time.Minute)))
	must(t, st.TouchRecording(ctx(t), s.ID, t0.Add(2*time.Minute), t0.Add(3*time.Minute)))
	must(t, st.TouchRecording(ctx(t), s.ID, t0.Add(40*time.Minute), t0.Add(41*time.Minute)))
	must(t, st.SetLMSAttempt(ctx(t), s.ID, 3))
	got, err = st.GetSession(ctx(t), s.ID)
	must(t, err)
	if !got.RecordedFrom.Equal(t0.Add(2*time.Minute)) || got.Duration() != 39*time.Minute || got.LMSAttempt != 3 || got.AttemptLabel() != 3 {
		t.Fatalf("recorded from %v, duration %v, LMS attempt %d", got.RecordedFrom, got.Duration(), got.LMSAttempt)
	}
	if len(got.Sources) != 2 || got.Sources[0] != "agent" || got.Sources[1] != "browser" {
		t.Fatalf("sources = %v", got.Sources)
	}
}

func testTokensAndLinks(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	must(t, st.AddSessionToken(ctx(t), &store.SessionToken{Hash: "tokhash", SessionID: s.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	tok, tokSess, err := st.GetSessionToken(ctx(t), "tokhash")
	must(t, err)
	if tok.SessionID != s.ID || tok.Source != "browser" || !tok.ExpiresAt.Equal(t0.Add(time.Hour)) || !tok.CreatedAt.Equal(t0) {
		t.Fatalf("GetSessionToken = %+v; want session %d, browser, expiring %v", tok, s.ID, t0.Add(time.Hour))
	}
	if want, err := st.GetSession(ctx(t), s.ID); err != nil || !reflect.DeepEqual(tokSess, want) {
		t.Fatalf("GetSessionToken's session = %+v; want %+v (%v)", tokSess, want, err)
	}
	_, _, err = st.GetSessionToken(ctx(t), "other")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, st.AddSessionToken(ctx(t), &store.SessionToken{Hash: "tokhash", SessionID: s.ID, ExpiresAt: t0}), store.ErrConflict)

	link := &store.SessionLink{TokenHash: "linkhash", ExamID: f.exam.ID, StudentID: f.student.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	must(t, st.CreateSessionLink(ctx(t), link))
	got, err := st.GetSessionLink(ctx(t), "linkhash")
	must(t, err)
	if got.ExamID != f.exam.ID || got.StudentID != f.student.ID || !got.ExpiresAt.Equal(link.ExpiresAt) {
		t.Fatalf("GetSessionLink = %+v", got)
	}
	_, err = st.GetSessionLink(ctx(t), "nope")
	wantErr(t, err, store.ErrNotFound)
}

func testExpireSessions(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	old := f.session(t, st)
	done := f.session(t, st)
	must(t, st.SetSessionState(ctx(t), done.ID, proctor.StateCreated, proctor.StateSubmitted, t0))
	fresh := &proctor.Session{ExamID: f.exam.ID, StudentID: f.student.ID, CreatedAt: t0.Add(80 * time.Hour), ClientStartedAt: t0}
	must(t, st.CreateSession(ctx(t), fresh))
	now := t0.Add(100 * time.Hour)
	ids, err := st.ExpireSessions(ctx(t), now.Add(-proctor.ResumeWindow), now)
	must(t, err)
	if len(ids) != 1 || ids[0] != old.ID {
		t.Fatalf("expired %v, want only %d", ids, old.ID)
	}
	got, err := st.GetSession(ctx(t), old.ID)
	must(t, err)
	if got.State != proctor.StateExpired || !got.FinishedAt.Equal(now) {
		t.Fatalf("expired session = %+v", got)
	}
}
