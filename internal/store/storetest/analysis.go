package storetest

import (
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

func testSignals(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	for seq := range int64(4) {
		must(t, st.InsertFrame(ctx(t), frame(s.ID, seq)))
	}
	pending, err := st.PendingFrames(ctx(t), s.ID, 3)
	must(t, err)
	if len(pending) != 3 || pending[0].Seq != 0 {
		t.Fatalf("PendingFrames = %+v", pending)
	}
	sigs := []proctor.FrameSignal{
		{SessionID: s.ID, Seq: 0, CapturedAt: t0, OK: true, Faces: 1, Boxes: []proctor.FaceBox{{X: 10, Y: 20, W: 50, H: 60, Score: 0.9,
			Head: &proctor.HeadPose{Yaw: -41.5, Pitch: 12.25, Roll: 3}}}, MeanLuma: 120},
		{SessionID: s.ID, Seq: 1, CapturedAt: t0.Add(time.Second), OK: false, Error: "truncated JPEG"},
	}
	must(t, st.SaveFrameSignals(ctx(t), sigs))
	must(t, st.SaveFrameSignals(ctx(t), sigs[:1])) // again: replaces, no error
	n, err := st.CountPendingFrames(ctx(t), s.ID)
	must(t, err)
	if n != 2 {
		t.Fatalf("CountPendingFrames = %d, want 2", n)
	}
	got, err := st.ListFrameSignals(ctx(t), s.ID)
	must(t, err)
	if len(got) != 2 || got[0].Faces != 1 || len(got[0].Boxes) != 1 || got[0].Boxes[0].W != 50 || got[1].OK || got[1].Error != "truncated JPEG" {
		t.Fatalf("ListFrameSignals = %+v", got)
	}
	// The head pose is kept with its box.
	if h := got[0].Boxes[0].Head; h == nil || *h != (proctor.HeadPose{Yaw: -41.5, Pitch: 12.25, Roll: 3}) {
		t.Fatalf("head pose = %+v", h)
	}
	// A signal for a frame that does not exist is refused.
	if err := st.SaveFrameSignals(ctx(t), []proctor.FrameSignal{{SessionID: s.ID, Seq: 99, CapturedAt: t0}}); err == nil {
		t.Fatal("signal for a missing frame was accepted")
	}
}

func violation(typ proctor.ViolationType, startSec, endSec int, applied bool) proctor.Violation {
	return proctor.Violation{Type: typ, Start: t0.Add(time.Duration(startSec) * time.Second),
		End: t0.Add(time.Duration(endSec) * time.Second), Confidence: 0.9, Applied: applied, Rule: "test",
		Reason: "because", Evidence: proctor.Evidence{FrameSeqs: []int64{1, 2}, Detail: "d"}}
}

func testViolations(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s := f.session(t, st)
	first := []proctor.Violation{violation(proctor.LeftSession, 10, 20, true), violation(proctor.OnlineAid, 30, 31, false)}
	first[0].Cause = proctor.CauseTooDark
	must(t, st.ReplaceViolations(ctx(t), s.ID, first))
	list, err := st.ListViolations(ctx(t), s.ID)
	must(t, err)
	if len(list) != 2 || list[0].Cause != proctor.CauseTooDark || list[0].Evidence.Detail != "d" || len(list[0].FrameSeqs) != 2 || list[1].Applied {
		t.Fatalf("ListViolations = %+v", list)
	}
	// The exam's violations in one read: by session, each in time order;
	// another session of the exam with none is absent, another exam's not there.
	other := f.session(t, st)
	must(t, st.ReplaceViolations(ctx(t), other.ID, []proctor.Violation{violation(proctor.Keystrokes, 5, 5, true)}))
	empty := f.session(t, st)
	byExam, err := st.ListExamViolations(ctx(t), f.exam.ID)
	must(t, err)
	if len(byExam) != 2 || len(byExam[s.ID]) != 2 || byExam[s.ID][0].ID != list[0].ID || byExam[s.ID][1].ID != list[1].ID ||
		len(byExam[other.ID]) != 1 || byExam[other.ID][0].Type != proctor.Keystrokes || len(byExam[empty.ID]) != 0 {
		t.Fatalf("ListExamViolations = %+v", byExam)
	}
	if none, err := st.ListExamViolations(ctx(t), f.exam.ID+1000); err != nil || len(none) != 0 {
		t.Fatalf("violations of an exam that does not exist: %+v (%v)", none, err)
	}
	must(t, st.DecideViolation(ctx(t), list[0].ID, proctor.DecisionExcused, "bad lamp", f.teacher.ID, t0))
	wantErr(t, st.DecideViolation(ctx(t), 9999, proctor.DecisionExcused, "", f.teacher.ID, t0), store.ErrNotFound)

	// Re-deciding keeps the excuse on the violation with the same key.
	second := []proctor.Violation{violation(proctor.LeftSession, 10, 22, true), violation(proctor.MultiplePeople, 40, 50, true)}
	must(t, st.ReplaceViolations(ctx(t), s.ID, second))
	list, err = st.ListViolations(ctx(t), s.ID)
	must(t, err)
	if len(list) != 2 || list[0].Decision != proctor.DecisionExcused || list[0].DecisionNote != "bad lamp" || list[0].DecidedBy != f.teacher.ID {
		t.Fatalf("decision lost on re-decide: %+v", list[0])
	}
	if list[1].Decision != proctor.DecisionPending {
		t.Fatalf("new violation has a decision: %+v", list[1])
	}
	v, err := st.GetViolation(ctx(t), list[1].ID)
	must(t, err)
	if v.Type != proctor.MultiplePeople || v.SessionID != s.ID {
		t.Fatalf("GetViolation = %+v", v)
	}
	must(t, st.SetVerdict(ctx(t), s.ID, proctor.VerdictFail, proctor.VerdictPass, t0))
	got, err := st.GetSession(ctx(t), s.ID)
	must(t, err)
	if got.Verdict != proctor.VerdictFail || got.ReviewedVerdict != proctor.VerdictPass {
		t.Fatalf("verdicts = %q %q", got.Verdict, got.ReviewedVerdict)
	}
}

func testStudentList(t *testing.T, st store.Store) {
	f := newFixture(t, st)
	s1 := f.session(t, st)
	other := proctor.Student{CourseID: f.course.ID, FirstName: "Alan", LastName: "Turing"}
	must(t, st.CreateStudent(ctx(t), &other))
	s2 := &proctor.Session{ExamID: f.exam.ID, StudentID: other.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, st.CreateSession(ctx(t), s2))
	must(t, st.ReplaceViolations(ctx(t), s1.ID, []proctor.Violation{
		violation(proctor.LeftSession, 1, 9, true), violation(proctor.LeftSession, 20, 29, true),
		violation(proctor.Keystrokes, 5, 5, true), violation(proctor.OnlineAid, 7, 8, false),
	}))
	rows, err := st.ListExamSessions(ctx(t), f.exam.ID)
	must(t, err)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	r := rows[0]
	if r.Session.ID != s1.ID || r.Student.LastName != "Hopper" {
		t.Fatalf("row 0 = %+v", r)
	}
	if r.Counts[proctor.LeftSession] != 2 || r.Counts[proctor.Keystrokes] != 1 || r.Counts[proctor.OnlineAid] != 0 {
		t.Fatalf("counts (applied only) = %v", r.Counts)
	}
	if rows[1].Student.FirstName != "Alan" || len(rows[1].Counts) != 0 {
		t.Fatalf("row 1 = %+v", rows[1])
	}
}
