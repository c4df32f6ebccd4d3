package analysis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vigil/internal/proctor"
)

// Sentence writes the explanation as one sentence in an instructor's words,
// e.g. "Fail — 3 applied violations (Multiple People 2× 41 s, Online Aid 1×
// 4 s) weigh 45 s of 5:00 recorded = 15 %, at or above the fail threshold of
// 10 %; 1 excused by J. Smith, not counted." nameOf names the instructor
// behind a decision.
func (e *Explanation) Sentence(nameOf func(userID int64) (string, error)) (string, error) {
	var b strings.Builder
	b.WriteString(e.Verdict.Label())
	b.WriteString(" — ")
	n := e.Counted()
	if n == 0 {
		b.WriteString("no applied violations")
	} else {
		fmt.Fprintf(&b, "%d applied violation%s (%s)", n, plural(n), tallies(e.Tallies))
	}
	if e.FailedAtOnce != "" {
		fmt.Fprintf(&b, "; %s fails a session at once under this exam's policy", e.FailedAtOnce.Label())
	} else {
		cmp := "below"
		if e.Share >= e.FailShare {
			cmp = "at or above"
		}
		verb := " weigh"
		if n == 0 {
			verb = ": flagged time"
		} else if n == 1 {
			verb = " weighs"
		}
		of := Clock(e.Length) + " recorded"
		if e.Recorded < e.Length {
			of = fmt.Sprintf("%s (%s recorded; a shorter session counts as a minute)", Clock(e.Length), Clock(e.Recorded))
		}
		fmt.Fprintf(&b, "%s %s of %s = %s, %s the fail threshold of %s",
			verb, Clock(e.Weighted), of, percent(e.Share), cmp, percent(e.FailShare))
	}
	decided, err := e.decisionsText(nameOf)
	if err != nil {
		return "", err
	}
	b.WriteString(decided)
	if e.TooDark > 0 {
		fmt.Fprintf(&b, "; %d Left Session in a room too dark to see not counted", e.TooDark)
	}
	if e.NotApplied > 0 {
		fmt.Fprintf(&b, "; %d more not applied by the exam's rules", e.NotApplied)
	}
	b.WriteString(".")
	return b.String(), nil
}

// decisionsText lists who excused or confirmed how many, in the order of
// the violations.
func (e *Explanation) decisionsText(nameOf func(int64) (string, error)) (string, error) {
	type key struct {
		d  proctor.Decision
		by int64
	}
	var order []key
	count := map[key]int{}
	for _, d := range e.Decisions {
		k := key{d.Decision, d.By}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	var b strings.Builder
	for _, k := range order {
		who, err := nameOf(k.by)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "; %d %s by %s", count[k], strings.ToLower(k.d.Label()), who)
		if k.d == proctor.DecisionExcused && e.Reviewed {
			b.WriteString(", not counted")
		}
	}
	return b.String(), nil
}

func tallies(ts []Tally) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s %d× %s", t.Type.Label(), t.Count, Clock(t.Covered))
		if t.Weight != 1 {
			parts[i] += fmt.Sprintf(" at weight %g", t.Weight)
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Clock writes a duration as "41 s" under a minute, else "m:ss" or "h:mm:ss".
func Clock(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// percent writes a share as "15 %" or "2.5 %".
func percent(f float64) string {
	s := fmt.Sprintf("%.1f", f*100)
	return strings.TrimSuffix(s, ".0") + " %"
}

// Users names the instructors behind decisions.
type Users interface {
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
}

// Reason is a verdict with its explanation in an instructor's words.
type Reason struct {
	Verdict proctor.Verdict
	// AfterDecisions says excused violations were left out (the reviewed
	// verdict), rather than the rules' verdict alone.
	AfterDecisions bool
	Text           string
}

// Reasoner explains sessions' verdicts, naming each decider once.
type Reasoner struct {
	users Users
	names map[int64]string
}

// NewReasoner explains verdicts with deciders named from users.
func NewReasoner(users Users) *Reasoner {
	return &Reasoner{users: users, names: map[int64]string{}}
}

// Reasons explains a session's automated verdict and, once an instructor
// has decided anything or marked it reviewed, the verdict after those
// decisions (nil before).
func (r *Reasoner) Reasons(ctx context.Context, sess *proctor.Session, p proctor.Policy, vs []proctor.Violation) (auto Reason, reviewed *Reason, err error) {
	if sess.Verdict == proctor.VerdictNone {
		return Reason{Text: "Not analysed yet: there is no verdict until the recording has been analysed."}, nil, nil
	}
	nameOf := r.nameIn(ctx)
	autoExp := Explain(p, vs, sess.Duration(), false)
	auto.Verdict = autoExp.Verdict
	if auto.Text, err = autoExp.Sentence(nameOf); err != nil {
		return auto, nil, err
	}
	if len(autoExp.Decisions) == 0 && !sess.Reviewed {
		return auto, nil, nil
	}
	revExp := Explain(p, vs, sess.Duration(), true)
	reviewed = &Reason{Verdict: revExp.Verdict, AfterDecisions: true}
	if reviewed.Text, err = revExp.Sentence(nameOf); err != nil {
		return auto, nil, err
	}
	return auto, reviewed, nil
}

// InForce explains the verdict that counts now: the one after decisions
// when there are any, else the rules' own.
func (r *Reasoner) InForce(ctx context.Context, sess *proctor.Session, p proctor.Policy, vs []proctor.Violation) (Reason, error) {
	auto, reviewed, err := r.Reasons(ctx, sess, p, vs)
	if reviewed != nil {
		return *reviewed, err
	}
	return auto, err
}

// nameIn names deciders for Sentence.
func (r *Reasoner) nameIn(ctx context.Context) func(int64) (string, error) {
	return func(id int64) (string, error) { return r.name(ctx, id) }
}

func (r *Reasoner) name(ctx context.Context, id int64) (string, error) {
	if n, ok := r.names[id]; ok {
		return n, nil
	}
	if id == 0 {
		return "an instructor", nil
	}
	u, err := r.users.GetUser(ctx, id)
	if err != nil {
		return "", err
	}
	n := strings.TrimSpace(u.Name)
	if n == "" {
		n = u.Email
	}
	r.names[id] = n
	return n, nil
}
