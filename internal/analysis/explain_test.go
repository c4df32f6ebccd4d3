package analysis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/proctor"
)

type users map[int64]string

func (u users) GetUser(_ context.Context, id int64) (*proctor.User, error) {
	n, ok := u[id]
	if !ok {
		return nil, fmt.Errorf("no user %d", id)
	}
	return &proctor.User{ID: id, Name: n}, nil
}

func TestVerdictsAreExplained(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	at := func(from, to float64) (time.Time, time.Time) {
		return t0.Add(time.Duration(from * float64(time.Second))), t0.Add(time.Duration(to * float64(time.Second)))
	}
	v := func(typ proctor.ViolationType, from, to float64, mods ...func(*proctor.Violation)) proctor.Violation {
		s, e := at(from, to)
		x := proctor.Violation{Type: typ, Start: s, End: e, Applied: true}
		for _, m := range mods {
			m(&x)
		}
		return x
	}
	excusedBy := func(id int64) func(*proctor.Violation) {
		return func(x *proctor.Violation) { x.Decision, x.DecidedBy = proctor.DecisionExcused, id }
	}
	confirmedBy := func(id int64) func(*proctor.Violation) {
		return func(x *proctor.Violation) { x.Decision, x.DecidedBy = proctor.DecisionConfirmed, id }
	}
	notApplied := func(x *proctor.Violation) { x.Applied = false }
	tooDark := func(x *proctor.Violation) { x.Cause = proctor.CauseTooDark }
	policy := proctor.Policy{FailShare: 0.1, PointSeconds: 5, FailAtOnce: []proctor.ViolationType{proctor.BlacklistedApps},
		Weights: map[proctor.ViolationType]float64{proctor.MultiplePeople: 2}}
	cases := []struct {
		name     string
		vs       []proctor.Violation
		length   time.Duration
		reviewed bool
		want     proctor.Verdict
		text     string
	}{
		{"nothing", nil, 10 * time.Minute, false, proctor.VerdictPass,
			"Pass — no applied violations: flagged time 0 s of 10:00 recorded = 0 %, below the fail threshold of 10 %."},
		{"share below", []proctor.Violation{v(proctor.OnlineAid, 0, 20), v(proctor.OnlineAid, 10, 30)}, 10 * time.Minute, false, proctor.VerdictPass,
			"Pass — 2 applied violations (Online Aid 2× 30 s) weigh 30 s of 10:00 recorded = 5 %, below the fail threshold of 10 %."},
		{"weighted share reaches", []proctor.Violation{v(proctor.MultiplePeople, 0, 41), v(proctor.MultiplePeople, 100, 100), v(proctor.OnlineAid, 200, 204)}, 10 * time.Minute, false, proctor.VerdictFail,
			"Fail — 3 applied violations (Online Aid 1× 5 s, Multiple People 2× 46 s at weight 2) weigh 1:37 of 10:00 recorded = 16.2 %, at or above the fail threshold of 10 %."},
		{"fail at once", []proctor.Violation{v(proctor.BlacklistedApps, 5, 5)}, time.Hour, false, proctor.VerdictFail,
			"Fail — 1 applied violation (Blacklisted Apps 1× 5 s); Blacklisted Apps fails a session at once under this exam's policy."},
		{"excused leaves the reviewed count", []proctor.Violation{v(proctor.MultiplePeople, 0, 60, excusedBy(7)), v(proctor.OnlineAid, 70, 72, confirmedBy(7))}, 10 * time.Minute, true, proctor.VerdictPass,
			"Pass — 1 applied violation (Online Aid 1× 5 s) weighs 5 s of 10:00 recorded = 0.8 %, below the fail threshold of 10 %; 1 excused by J. Smith, not counted; 1 confirmed by J. Smith."},
		{"excused still counts before review", []proctor.Violation{v(proctor.MultiplePeople, 0, 60, excusedBy(7))}, 10 * time.Minute, false, proctor.VerdictFail,
			"Fail — 1 applied violation (Multiple People 1× 1:00 at weight 2) weighs 2:00 of 10:00 recorded = 20 %, at or above the fail threshold of 10 %; 1 excused by J. Smith."},
		{"too dark and not applied never count", []proctor.Violation{v(proctor.LeftSession, 0, 300, tooDark), v(proctor.FacialSuspicion, 0, 3, notApplied)}, 10 * time.Minute, false, proctor.VerdictPass,
			"Pass — no applied violations: flagged time 0 s of 10:00 recorded = 0 %, below the fail threshold of 10 %; 1 Left Session in a room too dark to see not counted; 1 more not applied by the exam's rules."},
		{"a short session counts as a minute", []proctor.Violation{v(proctor.OnlineAid, 0, 6)}, 10 * time.Second, false, proctor.VerdictFail,
			"Fail — 1 applied violation (Online Aid 1× 6 s) weighs 6 s of 1:00 (10 s recorded; a shorter session counts as a minute) = 10 %, at or above the fail threshold of 10 %."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Explain(policy, c.vs, c.length, c.reviewed)
			if e.Verdict != c.want || Verdict(policy, c.vs, c.length, c.reviewed) != c.want {
				t.Fatalf("verdict %q (Verdict %q), want %q", e.Verdict, Verdict(policy, c.vs, c.length, c.reviewed), c.want)
			}
			got, err := e.Sentence(NewReasoner(users{7: "J. Smith"}).nameIn(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.text {
				t.Errorf("explanation\n got %s\nwant %s", got, c.text)
			}
		})
	}
}

func TestReasonerFollowsDecisions(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	sess := &proctor.Session{Verdict: proctor.VerdictFail, ClientStartedAt: t0, LastCaptureAt: t0.Add(5 * time.Minute)}
	policy := proctor.Policy{FailShare: 0.1, PointSeconds: 5}
	vs := []proctor.Violation{{Type: proctor.MultiplePeople, Start: t0, End: t0.Add(time.Minute), Applied: true}}
	r := NewReasoner(users{3: "A. Reviewer"})
	auto, reviewed, err := r.Reasons(context.Background(), sess, policy, vs)
	if err != nil || reviewed != nil || auto.Verdict != proctor.VerdictFail {
		t.Fatalf("before decisions: %+v %+v %v", auto, reviewed, err)
	}
	vs[0].Decision, vs[0].DecidedBy = proctor.DecisionExcused, 3
	inForce, err := r.InForce(context.Background(), sess, policy, vs)
	if err != nil || inForce.Verdict != proctor.VerdictPass || !inForce.AfterDecisions {
		t.Fatalf("after excusing: %+v %v", inForce, err)
	}
	if want := "1 excused by A. Reviewer, not counted"; !strings.Contains(inForce.Text, want) {
		t.Fatalf("reason %q lacks %q", inForce.Text, want)
	}
	if _, _, err := NewReasoner(users{}).Reasons(context.Background(), sess, policy, vs); err == nil {
		t.Fatal("an unknown decider was not reported")
	}
}
