package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// TestDecideManyAuditsAndNames: a bulk decision audits each violation it
// decides on its own, and the session page and timeline name who decided.
func TestDecideManyAuditsAndNames(t *testing.T) {
	policy := proctor.DefaultSettings().Policy
	w := newWorld(t, policy)
	ctx := context.Background()
	s := w.decided(t, 30*time.Minute, proctor.VerdictFail,
		applied(proctor.BackgroundAudio, 10, 11), applied(proctor.BackgroundAudio, 20, 22),
		applied(proctor.BackgroundAudio, 40, 43), applied(proctor.LeftSession, 60, 80), applied(proctor.Keystrokes, 90, 90))
	vs := w.violations(t, s.ID)
	_, err := w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionExcused, Note: "the radio next door",
		Type: proctor.BackgroundAudio, Shorter: 3 * time.Second})
	must(t, err)
	_, err = w.svc.DecideMany(ctx, w.teacher, s.ID, BulkDecision{Decision: proctor.DecisionConfirmed, Note: "seen on video",
		IDs: []int64{vs[4].ID, vs[3].ID, vs[4].ID}})
	must(t, err)
	entries, err := w.st.ListAudit(ctx, store.AuditFilter{Action: proctor.AuditViolationDecide, Limit: 100})
	must(t, err)
	var subjects []string
	for _, e := range entries {
		subjects = append(subjects, e.Subject)
	}
	for i, v := range vs {
		want := map[int]int{0: 1, 1: 1, 2: 0, 3: 1, 4: 1}[i]
		if n := count(subjects, fmt.Sprintf("violation:%d", v.ID)); n != want {
			t.Errorf("%s at %s: %d audit entries, want %d", v.Type, v.Start.Sub(t0), n, want)
		}
	}
	after := w.violations(t, s.ID)
	if v := after[0]; v.DecisionNote != "the radio next door" || v.DecidedBy != w.teacher.User.ID || !v.DecidedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("decision stored as %q by %d at %s", v.DecisionNote, v.DecidedBy, v.DecidedAt)
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

// TestBulkDecisionRules: a bulk decision decides the session's violations
// it lists by id (each once, in time order) or, listing none, those its
// filter selects (a type, shorter than a length); the reviewed verdict
// follows at once; made twice it leaves what it left once. It is refused
// whole, deciding nothing, when an id is another session's, when it lists
// more than 10000 ids, for an unknown decision or type, a negative length,
// a note over 4000 characters, or someone who may not change the course.
func TestBulkDecisionRules(t *testing.T) {
	policy := proctor.DefaultSettings().Policy
	policy.FailAtOnce = []proctor.ViolationType{proctor.BackgroundAudio}
	w := newWorld(t, policy)
	ctx := context.Background()
	other := w.violations(t, w.decided(t, 30*time.Minute, proctor.VerdictFail, applied(proctor.MultiplePeople, 60, 70)).ID)[0]
	reviewer := w.member(t, "tam@example.edu", proctor.CourseReviewer)
	const (
		excused   = proctor.DecisionExcused
		confirmed = proctor.DecisionConfirmed
	)
	// The session's violations, in time order: Background Audio of 1, 2
	// and 3 s (each fails it at once), 20 s of Left Session, a key press.
	ids := func(idx ...int64) []int64 { return idx }
	for _, c := range []struct {
		name        string
		who         Actor
		before      *BulkDecision
		b           BulkDecision // IDs are indexes of the session's violations (-1: another session's)
		times       int
		wantCode    proctor.Code
		wantDecided []int  // indexes, in the order returned
		wantStored  string // per violation: E excused, C confirmed, - pending
		wantVerdict proctor.Verdict
	}{
		{"excuse a type shorter than 3 s", w.teacher, nil, BulkDecision{Decision: excused, Type: proctor.BackgroundAudio, Shorter: 3 * time.Second}, 1,
			"", []int{0, 1}, "EE---", proctor.VerdictFail},
		{"excuse a type, any length", w.teacher, nil, BulkDecision{Decision: excused, Type: proctor.BackgroundAudio}, 1,
			"", []int{0, 1, 2}, "EEE--", proctor.VerdictPass},
		{"excuse everything shorter than 3 s", w.teacher, nil, BulkDecision{Decision: excused, Shorter: 3 * time.Second}, 1,
			"", []int{0, 1, 4}, "EE--E", proctor.VerdictFail},
		{"excuse everything", w.teacher, nil, BulkDecision{Decision: excused}, 1, "", []int{0, 1, 2, 3, 4}, "EEEEE", proctor.VerdictPass},
		{"confirm the chosen, each once, in time order", w.teacher, nil, BulkDecision{Decision: confirmed, IDs: ids(4, 3, 4)}, 1,
			"", []int{3, 4}, "---CC", proctor.VerdictFail},
		{"the chosen ids win over a filter", w.teacher, nil, BulkDecision{Decision: confirmed, IDs: ids(3), Type: proctor.BackgroundAudio}, 1,
			"", []int{3}, "---C-", proctor.VerdictFail},
		{"made twice, it leaves what it left once", w.teacher, nil, BulkDecision{Decision: excused, Type: proctor.BackgroundAudio}, 2,
			"", []int{0, 1, 2}, "EEE--", proctor.VerdictPass},
		{"undo by a bulk decision", w.teacher, &BulkDecision{Decision: excused}, BulkDecision{Decision: proctor.DecisionPending}, 1,
			"", []int{0, 1, 2, 3, 4}, "-----", proctor.VerdictFail},
		{"a filter that matches nothing", w.teacher, nil, BulkDecision{Decision: excused, Type: proctor.MultiplePeople}, 1,
			"", nil, "-----", proctor.VerdictFail},
		{"another session's violation among the chosen", w.teacher, nil, BulkDecision{Decision: excused, IDs: ids(0, -1)}, 1,
			proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"more than 10000 chosen", w.teacher, nil, BulkDecision{Decision: excused, IDs: make([]int64, maxBulk+1)}, 1,
			proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"an unknown decision", w.teacher, nil, BulkDecision{Decision: "maybe", IDs: ids(0)}, 1, proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"an unknown type", w.teacher, nil, BulkDecision{Decision: excused, Type: "phone"}, 1, proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"a negative length", w.teacher, nil, BulkDecision{Decision: excused, Shorter: -time.Second}, 1, proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"a note over 4000 characters", w.teacher, nil, BulkDecision{Decision: excused, Note: strings.Repeat("n", maxNote+1)}, 1,
			proctor.CodeInvalid, nil, "-----", proctor.VerdictFail},
		{"a read-only reviewer", reviewer, nil, BulkDecision{Decision: excused}, 1, proctor.CodeForbidden, nil, "-----", proctor.VerdictFail},
		{"an instructor of another course", w.outsider, nil, BulkDecision{Decision: excused}, 1, proctor.CodeNotFound, nil, "-----", proctor.VerdictFail},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := w.decided(t, 30*time.Minute, proctor.VerdictFail,
				applied(proctor.BackgroundAudio, 10, 11), applied(proctor.BackgroundAudio, 20, 22),
				applied(proctor.BackgroundAudio, 40, 43), applied(proctor.LeftSession, 60, 80), applied(proctor.Keystrokes, 90, 90))
			vs := w.violations(t, s.ID)
			if c.before != nil {
				_, err := w.svc.DecideMany(ctx, w.teacher, s.ID, *c.before)
				must(t, err)
			}
			b := c.b
			if len(b.IDs) <= maxBulk {
				b.IDs = nil
				for _, i := range c.b.IDs {
					if i < 0 {
						b.IDs = append(b.IDs, other.ID)
					} else {
						b.IDs = append(b.IDs, vs[i].ID)
					}
				}
			}
			var got []proctor.Violation
			var err error
			for range c.times {
				got, err = w.svc.DecideMany(ctx, c.who, s.ID, b)
			}
			if codeOf(err) != c.wantCode {
				t.Fatalf("%v, want code %q", err, c.wantCode)
			}
			var decided []int
			for _, v := range got {
				decided = append(decided, slices.IndexFunc(vs, func(x proctor.Violation) bool { return x.ID == v.ID }))
			}
			if !slices.Equal(decided, c.wantDecided) {
				t.Errorf("decided %v, want %v", decided, c.wantDecided)
			}
			stored := ""
			for _, v := range w.violations(t, s.ID) {
				stored += map[proctor.Decision]string{excused: "E", confirmed: "C", proctor.DecisionPending: "-"}[v.Decision]
			}
			if stored != c.wantStored || w.reviewedVerdict(t, s.ID) != c.wantVerdict {
				t.Errorf("stored %s, reviewed verdict %q; want %s, %q", stored, w.reviewedVerdict(t, s.ID), c.wantStored, c.wantVerdict)
			}
			if other := w.violations(t, other.SessionID)[0]; other.Decision != proctor.DecisionPending {
				t.Errorf("the other session's violation was decided: %q", other.Decision)
			}
		})
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
