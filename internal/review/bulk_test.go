package review

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// TestDecideMany: "excuse every Background Audio shorter than 3 s" excuses
// exactly those, each audited on its own, and the reviewed verdict follows
// at once; "confirm the selected" confirms the listed ones; the page names
// who decided.
func TestDecideMany(t *testing.T) {
	policy := proctor.DefaultSettings().Policy
	policy.FailAtOnce = []proctor.ViolationType{proctor.BackgroundAudio}
	w := newWorld(t, policy)
	ctx := context.Background()
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail,
		applied(proctor.BackgroundAudio, 10, 11), applied(proctor.BackgroundAudio, 20, 22),
		applied(proctor.BackgroundAudio, 40, 43), applied(proctor.LeftSession, 60, 80), applied(proctor.Keystrokes, 90, 90))
	vs := w.violations(t, s.ID)
	got, err := w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionExcused, Note: "the radio next door",
		Type: proctor.BackgroundAudio, Shorter: 3 * time.Second})
	must(t, err)
	if len(got) != 2 || got[0].ID != vs[0].ID || got[1].ID != vs[1].ID {
		t.Fatalf("excused %+v, want the two Background Audio shorter than 3 s", got)
	}
	after := w.violations(t, s.ID)
	for i, v := range after {
		want := proctor.DecisionPending
		if i < 2 {
			want = proctor.DecisionExcused
		}
		if v.Decision != want {
			t.Errorf("%s at %s: %q, want %q", v.Type, v.Start.Sub(t0), v.Decision, want)
		}
		if want == proctor.DecisionExcused && (v.DecisionNote != "the radio next door" || v.DecidedBy != w.teacher.User.ID || !v.DecidedAt.Equal(t0.Add(time.Hour))) {
			t.Errorf("decision stored as %q by %d at %s", v.DecisionNote, v.DecidedBy, v.DecidedAt)
		}
	}
	// The 3-second one still fails the session at once.
	if verdict := w.reviewedVerdict(t, s.ID); verdict != proctor.VerdictFail {
		t.Fatalf("reviewed verdict %q with a 3 s Background Audio left, want fail", verdict)
	}
	got, err = w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionExcused, Type: proctor.BackgroundAudio})
	must(t, err)
	if len(got) != 3 || w.reviewedVerdict(t, s.ID) != proctor.VerdictPass {
		t.Fatalf("excusing every Background Audio: %d decided, reviewed verdict %q, want 3 and pass", len(got), w.reviewedVerdict(t, s.ID))
	}

	got, err = w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionConfirmed, Note: "seen on video",
		IDs: []int64{vs[4].ID, vs[3].ID, vs[4].ID}})
	must(t, err)
	if len(got) != 2 || got[0].ID != vs[3].ID || got[1].ID != vs[4].ID {
		t.Fatalf("confirmed %+v, want the Left Session and the Keystrokes once each, in time order", got)
	}
	if w.reviewedVerdict(t, s.ID) != proctor.VerdictPass { // 20 s of absence in 30 min stays under the threshold
		t.Fatalf("reviewed verdict after confirming the absence: %q", w.reviewedVerdict(t, s.ID))
	}
	entries, err := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditViolationDecide, Limit: 100})
	must(t, err)
	var subjects []string
	for _, e := range entries {
		subjects = append(subjects, e.Subject)
	}
	for _, v := range vs {
		want := 1 // excused by the filter, or confirmed
		if v.Type == proctor.BackgroundAudio && v.Duration() < 3*time.Second {
			want = 2
		}
		if n := count(subjects, fmt.Sprintf("violation:%d", v.ID)); n != want {
			t.Errorf("%s at %s: %d audit entries, want %d", v.Type, v.Start.Sub(t0), n, want)
		}
	}

	page, err := w.svc.Session(ctx, w.teacher, s.ID)
	must(t, err)
	if page.People[w.teacher.User.ID] != "Ada" {
		t.Errorf("the page names the deciders %v, want Ada", page.People)
	}
	tl, err := w.svc.Timeline(ctx, w.teacher, s.ID)
	must(t, err)
	if tl.Violations[0].DecidedBy != "Ada" || tl.Violations[0].Decision != string(proctor.DecisionExcused) || len(tl.Types) != len(proctor.ViolationTypes) {
		t.Errorf("timeline entry %+v, %d types", tl.Violations[0], len(tl.Types))
	}
}

// TestDecideManyRefuses: a bulk decision that names another session's
// incident, or comes from someone who may not change the course, decides
// nothing; one whose filter matches nothing decides nothing either.
func TestDecideManyRefuses(t *testing.T) {
	w := newWorld(t, proctor.DefaultSettings().Policy)
	ctx := context.Background()
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail, applied(proctor.MultiplePeople, 60, 70), applied(proctor.FacialSuspicion, 100, 110))
	other := w.decided(t, 30*time.Minute, proctor.VerdictFail, applied(proctor.MultiplePeople, 60, 70))
	mine, theirs := w.violations(t, s.ID), w.violations(t, other.ID)
	ta := &proctor.User{Email: "ta@example.edu", Name: "Tam", Role: proctor.RoleInstructor}
	must(t, w.st.CreateUser(ctx, ta, ""))
	must(t, w.st.SetCourseMember(ctx, w.exam.CourseID, ta.ID, proctor.CourseReviewer))
	excuse := func(ids ...int64) BulkDecision { return BulkDecision{Decision: proctor.DecisionExcused, IDs: ids} }
	for _, c := range []struct {
		name string
		who  Actor
		b    BulkDecision
		want proctor.Code
	}{
		{"another session's incident", w.teacher, excuse(mine[0].ID, theirs[0].ID), proctor.CodeInvalid},
		{"an instructor of another course", w.outsider, excuse(mine[0].ID), proctor.CodeNotFound},
		{"a read-only reviewer", Actor{User: ta}, excuse(mine[0].ID), proctor.CodeForbidden},
		{"nobody", Actor{}, excuse(mine[0].ID), proctor.CodeNotFound},
		{"an unknown decision", w.teacher, BulkDecision{Decision: "maybe", IDs: []int64{mine[0].ID}}, proctor.CodeInvalid},
		{"an unknown type", w.teacher, BulkDecision{Decision: proctor.DecisionExcused, Type: "phone"}, proctor.CodeInvalid},
		{"a negative length", w.teacher, BulkDecision{Decision: proctor.DecisionExcused, Shorter: -time.Second}, proctor.CodeInvalid},
	} {
		if _, err := w.svc.DecideMany(ctx, c.who, s.ID, c.b); codeOf(err) != c.want {
			t.Errorf("%s: %v, want code %q", c.name, err, c.want)
		}
	}
	got, err := w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionExcused, Type: proctor.BackgroundAudio})
	if err != nil || len(got) != 0 {
		t.Errorf("a filter that matches nothing: %d decided, %v", len(got), err)
	}
	for _, v := range append(w.violations(t, s.ID), w.violations(t, other.ID)...) {
		if v.Decision != proctor.DecisionPending {
			t.Errorf("%s of session %d was decided (%q) by a refused bulk decision", v.Type, v.SessionID, v.Decision)
		}
	}
	if entries, _ := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditViolationDecide}); len(entries) != 0 {
		t.Errorf("%d decisions audited, want none", len(entries))
	}
}

func count(xs []string, x string) int {
	n := 0
	for i := range xs {
		if xs[i] == x {
			n++
		}
	}
	return n
}
