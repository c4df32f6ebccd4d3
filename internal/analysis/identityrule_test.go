package analysis

import (
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// checked marks frame i as an identity check with a result.
func checked(sigs []proctor.FrameSignal, i int, m proctor.IdentityMatch, sim float64) {
	sigs[i].Identity, sigs[i].Similarity = m, sim
}

// TestDifferentPersonAtTheWebcam: someone else sits down after the student
// left: the check on their return and the two that confirm it find
// someone else, and the flag lasts while that face stays in view — until
// the seat is empty again.
func TestDifferentPersonAtTheWebcam(t *testing.T) {
	sigs := frames("1111111111000000111111111111110001111")
	checked(sigs, 0, proctor.MatchSame, 0.93)
	for i, sim := range map[int]float64{16: 0.12, 17: 0.2, 18: 0.08} {
		checked(sigs, i, proctor.MatchDifferent, sim)
	}
	checked(sigs, 33, proctor.MatchSame, 0.9) // the student is back
	in := Input{Settings: proctor.DefaultSettings(), Start: t0, End: at(36), Frames: sigs, Reference: 77}
	got := Decide(in)
	check(t, got,
		want{proctor.LeftSession, 10, 16, true, proctor.CauseNoFace},
		want{proctor.DifferentPerson, 16, 30, true, proctor.CauseWebcam},
		// 30–33: nobody, under the 5 s Left Session needs.
		want{proctor.LeftSession, 30, 33, false, proctor.CauseNoFace})
	v := got[1]
	if len(v.FrameSeqs) != 3 || v.FrameSeqs[0] != 16 || v.FrameSeqs[2] != 18 || *v.BeforeSeq != 15 || *v.AfterSeq != 30 {
		t.Errorf("evidence %+v: want the three checks, the frame before and the first empty one after", v.Evidence)
	}
	if len(v.PhotoIDs) != 1 || v.PhotoIDs[0] != 77 {
		t.Errorf("photos %v: want the onboarding photo compared with", v.PhotoIDs)
	}
	if !strings.Contains(v.Reason, "3 identity checks") || !strings.Contains(v.Reason, "0.20") {
		t.Errorf("reason %q does not say how many checks found someone else and the best similarity", v.Reason)
	}
	if v.Confidence < 0.8 || v.Confidence > 0.9 {
		t.Errorf("confidence %.2f, want 1 − the mean similarity (0.87)", v.Confidence)
	}
	if e := Explain(in.Settings.Policy, got, 36*time.Second, false); e.Verdict != proctor.VerdictFail || e.FailedAtOnce != proctor.DifferentPerson {
		t.Errorf("verdict %s (failed at once by %q): a different person fails a session by default", e.Verdict, e.FailedAtOnce)
	}
	got[1].Decision = proctor.DecisionExcused
	if e := Explain(in.Settings.Policy, got, 2*time.Minute, true); e.Verdict != proctor.VerdictPass {
		t.Errorf("excused: reviewed verdict %s, want Pass (%+v)", e.Verdict, e)
	}
}

// TestOneOddCheckIsNotAPerson: a single mismatch that the next check does
// not confirm is kept on record, not applied.
func TestOneOddCheckIsNotAPerson(t *testing.T) {
	sigs := frames("1111111111")
	checked(sigs, 0, proctor.MatchSame, 0.9)
	checked(sigs, 5, proctor.MatchDifferent, 0.35)
	checked(sigs, 6, proctor.MatchSame, 0.6)
	got := decide(t, sigs, nil, nil)
	check(t, got, want{proctor.DifferentPerson, 5, 6, false, proctor.CauseWebcam})
	if !strings.Contains(got[0].Reason, "under the 2 s") {
		t.Errorf("reason %q does not say why it is not applied", got[0].Reason)
	}
}

// TestDifferentPersonToTheEnd: a flag with no empty seat after it lasts to
// the end of the session; two people in view end it (that is Multiple
// People); a check that finds the student ends it.
func TestDifferentPersonToTheEnd(t *testing.T) {
	sigs := frames("11111111112211111111111")
	checked(sigs, 2, proctor.MatchDifferent, 0.1)
	checked(sigs, 3, proctor.MatchDifferent, 0.1)
	checked(sigs, 12, proctor.MatchDifferent, 0.2)
	checked(sigs, 13, proctor.MatchDifferent, 0.2)
	checked(sigs, 14, proctor.MatchDifferent, 0.2)
	checked(sigs, 16, proctor.MatchSame, 0.7)
	checked(sigs, 19, proctor.MatchDifferent, 0.25)
	checked(sigs, 20, proctor.MatchDifferent, 0.25)
	got := decide(t, sigs, nil, nil)
	check(t, got,
		want{proctor.DifferentPerson, 2, 10, true, proctor.CauseWebcam},
		want{proctor.MultiplePeople, 10, 12, true, ""},
		want{proctor.DifferentPerson, 12, 16, true, proctor.CauseWebcam},
		want{proctor.DifferentPerson, 19, 23, true, proctor.CauseWebcam})
}

// TestDifferentPersonOnAScan: a scan of someone else is flagged at the
// moment it was taken, with the scan and the onboarding photo as
// evidence; scans of the student, without a face, not yet compared or
// without an onboarding photo are not; the exam's switch keeps it on
// record, not applied.
func TestDifferentPersonOnAScan(t *testing.T) {
	scans := []proctor.Photo{
		{ID: 5, Kind: proctor.PhotoFace, Attempt: 1, CapturedAt: at(-30), Identity: proctor.MatchSame, Similarity: 0.9, ReferenceID: 2},
		{ID: 6, Kind: proctor.PhotoID, Attempt: 1, CapturedAt: at(-20), Identity: proctor.MatchDifferent, Similarity: 0.11, ReferenceID: 2},
		{ID: 7, Kind: proctor.PhotoID, Attempt: 2, CapturedAt: at(-10), Identity: proctor.MatchNoFace},
		{ID: 8, Kind: proctor.PhotoFace, Attempt: 2, CapturedAt: at(-5), Identity: proctor.MatchPending},
		{ID: 9, Kind: proctor.PhotoFace, Attempt: 3, CapturedAt: at(-4), Identity: proctor.MatchNoReference},
	}
	in := Input{Settings: proctor.DefaultSettings(), Start: t0, End: at(9), Frames: frames("1111111111"), Scans: scans}
	got := Decide(in)
	check(t, got, want{proctor.DifferentPerson, -20, -20, true, proctor.CauseScan})
	v := got[0]
	if len(v.PhotoIDs) != 2 || v.PhotoIDs[0] != 6 || v.PhotoIDs[1] != 2 {
		t.Errorf("photos %v: want the scan and the onboarding photo", v.PhotoIDs)
	}
	if !strings.Contains(v.Reason, "photo ID scan (attempt 1)") || !strings.Contains(v.Reason, "0.11") {
		t.Errorf("reason %q does not name the scan and its similarity", v.Reason)
	}
	in.Settings.DifferentPerson.Enabled = false
	if got := Decide(in); len(got) != 1 || got[0].Applied {
		t.Errorf("with the check off: %+v, want the flag kept, not applied", got)
	}
}
