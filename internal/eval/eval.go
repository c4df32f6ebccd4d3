// Package eval measures detection on scenarios (the shared docs/EVAL.md
// format): each is played through a running Vigil's real ingest API by the
// simulated capture client, analysed like any session, and its applied
// violations are matched against the expected ones.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"text/tabwriter"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/store"
)

// Runner plays scenarios against one server.
type Runner struct {
	Store  store.Store // the server's store, to set up exams and read results
	Client *simclient.Client
	Now    func() time.Time
	// Wait bounds how long one session's analysis may take.
	Wait time.Duration
}

// Outcome is one scenario's result.
type Outcome struct {
	Name      string
	SessionID int64 // the session the scenario was played as
	Expected  []scenario.Expected
	Reported  []scenario.Reported
	Scores    map[proctor.ViolationType]*scenario.Score
	// Faces checks every frame's face count against the scenario's truth
	// (video spans with "faces"), face by face.
	Faces Faces
}

// Faces is the face-by-face check of a scenario's frames: every face the
// truth says is there and the rules did not count as a person (faces found,
// less those judged pictures of faces) is one missed face,
// however many frames in a row it was missed for; every face counted beyond
// the truth (a picture, an animal, a stray box) is one extra face.
type Faces struct {
	Frames   int        `json:"frames"`   // frames with a truth
	Expected int        `json:"expected"` // faces over those frames
	Missed   int        `json:"missed"`
	Extra    int        `json:"extra"`
	Misses   []FaceMiss `json:"misses,omitempty"`
}

// FaceMiss is a stretch of consecutive frames whose face count differs
// from the truth in the same way (one line of the listing; every frame's
// faces are counted in Faces.Missed and Extra).
type FaceMiss struct {
	Scenario string  `json:"scenario"`
	From     float64 `json:"from_s"` // the first frame's time
	To       float64 `json:"to_s"`   // the last frame's time
	Frames   int     `json:"frames"`
	Want     int     `json:"want"`
	Got      int     `json:"got"` // −1: the frames could not be analysed
	File     string  `json:"file"`
}

func (f *Faces) add(o Faces) {
	f.Frames, f.Expected, f.Missed, f.Extra = f.Frames+o.Frames, f.Expected+o.Expected, f.Missed+o.Missed, f.Extra+o.Extra
	f.Misses = append(f.Misses, o.Misses...)
}

// Missed reports whether the scenario had a false positive or negative.
func (o *Outcome) Missed() bool {
	for _, s := range o.Scores {
		if s.FP > 0 || s.FN > 0 {
			return true
		}
	}
	return false
}

// Play runs one scenario: a course, an exam with the scenario's settings and
// a student are created, the session is uploaded and analysed, and its
// applied violations are scored for every type.
func (r *Runner) Play(ctx context.Context, sc *scenario.Scenario, n int) (*Outcome, error) {
	link, err := r.setUp(ctx, sc, n)
	if err != nil {
		return nil, err
	}
	// Recorded "just before now", as a live client would have.
	start := r.Now().Add(-time.Duration(sc.Duration+30) * time.Second).Truncate(time.Second)
	res, err := r.Client.Play(ctx, link, sc, start)
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", sc.Name, err)
	}
	if err := r.waitAnalysed(ctx, res.Session.ID); err != nil {
		return nil, fmt.Errorf("eval %s: %w", sc.Name, err)
	}
	vs, err := r.Store.ListViolations(ctx, res.Session.ID)
	if err != nil {
		return nil, err
	}
	rep := scenario.FromViolations(vs, start)
	faces, err := r.countFaces(ctx, sc, res.Session.ID)
	if err != nil {
		return nil, fmt.Errorf("eval %s: %w", sc.Name, err)
	}
	return &Outcome{Name: sc.Name, SessionID: res.Session.ID, Expected: sc.Expect, Reported: rep,
		Scores: scenario.Match(sc.Expect, rep, proctor.ViolationTypes), Faces: faces}, nil
}

// countFaces compares every analysed frame's face count with the truth of
// the scenario's video span it was sent from (the client sends frame i of
// sc.Frames as sequence number i).
func (r *Runner) countFaces(ctx context.Context, sc *scenario.Scenario, sid int64) (Faces, error) {
	var out Faces
	frames, err := sc.Frames(r.Client.Media)
	if err != nil {
		return out, err
	}
	truth := false
	for _, f := range frames {
		truth = truth || f.Faces >= 0
	}
	if !truth {
		return out, nil
	}
	sigs, err := r.Store.ListFrameSignals(ctx, sid)
	if err != nil {
		return out, err
	}
	// The faces the rules count as people: a picture of a face beside a
	// live one is not (analysis.LiveFaces).
	live := analysis.LiveFaces(sigs)
	bySeq := make(map[int64]int, len(sigs))
	for i := range sigs {
		bySeq[sigs[i].Seq] = live[i]
	}
	last := -2
	for i, f := range frames {
		if f.Faces < 0 {
			continue
		}
		out.Frames++
		out.Expected += f.Faces
		got, ok := bySeq[int64(i)]
		if !ok {
			got = -1
		}
		if got == f.Faces {
			continue
		}
		out.Missed += f.Faces - max(0, min(got, f.Faces))
		out.Extra += max(0, got-f.Faces)
		if n := len(out.Misses); n > 0 && out.Misses[n-1].Want == f.Faces && out.Misses[n-1].Got == got && last == i-1 {
			out.Misses[n-1].To, out.Misses[n-1].Frames = f.At, out.Misses[n-1].Frames+1
		} else {
			out.Misses = append(out.Misses, FaceMiss{Scenario: sc.Name, From: f.At, To: f.At, Frames: 1, Want: f.Faces, Got: got, File: f.File})
		}
		last = i
	}
	return out, nil
}

func (r *Runner) setUp(ctx context.Context, sc *scenario.Scenario, n int) (string, error) {
	settings, err := proctor.ParseSettings(sc.Settings)
	if err != nil {
		return "", fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	course := &proctor.Course{Code: fmt.Sprintf("EVAL-%d-%d", r.Now().UnixNano(), n), Title: "Evaluation: " + sc.Name, Enabled: true}
	if err := r.Store.CreateCourse(ctx, course); err != nil {
		return "", err
	}
	exam := &proctor.Exam{CourseID: course.ID, Title: sc.Name, Settings: settings}
	if err := r.Store.CreateExam(ctx, exam); err != nil {
		return "", err
	}
	st := &proctor.Student{CourseID: course.ID, FirstName: "Eval", LastName: sc.Name}
	if err := r.Store.CreateStudent(ctx, st); err != nil {
		return "", err
	}
	return ingest.IssueLink(ctx, r.Store, ingest.LinkRequest{ExamID: exam.ID, StudentID: st.ID, TTL: time.Hour, Actor: "eval"})
}

func (r *Runner) waitAnalysed(ctx context.Context, sid int64) error {
	ctx, cancel := context.WithTimeout(ctx, r.Wait)
	defer cancel()
	for {
		s, err := r.Store.GetSession(ctx, sid)
		if err != nil {
			return err
		}
		if s.State == proctor.StateAnalyzed {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("session %d not analysed in %s", sid, r.Wait)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Run plays every scenario and returns the per-type totals.
func (r *Runner) Run(ctx context.Context, scenarios []*scenario.Scenario) (*Report, []*Outcome, error) {
	rep := newReport()
	var outcomes []*Outcome
	for i, sc := range scenarios {
		o, err := r.Play(ctx, sc, i)
		if err != nil {
			return nil, outcomes, err
		}
		outcomes = append(outcomes, o)
		rep.add(o)
	}
	return rep, outcomes, nil
}

// Load reads scenario files (paths in fsys).
func Load(fsys fs.FS, names []string) ([]*scenario.Scenario, error) {
	var out []*scenario.Scenario
	for _, n := range names {
		sc, err := scenario.Load(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, sc)
	}
	return out, nil
}

// TypeResult is one type's totals over all scenarios.
type TypeResult struct {
	Type      proctor.ViolationType `json:"type"`
	TP        int                   `json:"tp"`
	FP        int                   `json:"fp"`
	FN        int                   `json:"fn"`
	Precision float64               `json:"precision"`
	Recall    float64               `json:"recall"`
	// Mean absolute start and end error of matched violations, seconds;
	// null when nothing matched.
	StartErr *float64 `json:"mean_start_error_s"`
	EndErr   *float64 `json:"mean_end_error_s"`
	// Expected is how many violations of the type the scenarios expect.
	Expected int `json:"expected"`
	// Missed and False list the false negatives and false positives, with
	// the scenario and the times, so a miss is more than a count.
	Missed []Event `json:"missed"`
	False  []Event `json:"false"`
}

// Event is one expected violation nothing matched, or one reported
// violation that matched nothing expected: seconds from the start.
type Event struct {
	Scenario string  `json:"scenario"`
	From     float64 `json:"from_s"`
	To       float64 `json:"to_s"`
	Cause    string  `json:"cause,omitempty"`
}

// Report is the totals per type, the face-by-face check, and the identity
// evaluation when it ran.
type Report struct {
	Types    []TypeResult    `json:"types"`
	Faces    Faces           `json:"faces"`
	Identity *IdentityReport `json:"identity,omitempty"`
	totals   map[proctor.ViolationType]*scenario.Score
	events   map[proctor.ViolationType]*[2][]Event
}

func newReport() *Report {
	r := &Report{totals: map[proctor.ViolationType]*scenario.Score{}, events: map[proctor.ViolationType]*[2][]Event{}}
	for _, t := range proctor.ViolationTypes {
		r.totals[t] = &scenario.Score{Type: t}
		r.events[t] = &[2][]Event{{}, {}}
	}
	return r
}

func (r *Report) add(o *Outcome) {
	for t, s := range o.Scores {
		tot := r.totals[t]
		tot.TP, tot.FP, tot.FN = tot.TP+s.TP, tot.FP+s.FP, tot.FN+s.FN
		tot.StartErr, tot.EndErr = tot.StartErr+s.StartErr, tot.EndErr+s.EndErr
		ev := r.events[t]
		for _, e := range s.Missed {
			ev[0] = append(ev[0], Event{Scenario: o.Name, From: e.From, To: e.To, Cause: e.Cause})
		}
		for _, f := range s.False {
			ev[1] = append(ev[1], Event{Scenario: o.Name, From: f.From, To: f.To, Cause: f.Cause})
		}
	}
	r.Faces.add(o.Faces)
	r.Types = r.Types[:0]
	for _, t := range proctor.ViolationTypes {
		s := r.totals[t]
		tr := TypeResult{Type: t, TP: s.TP, FP: s.FP, FN: s.FN, Precision: s.Precision(), Recall: s.Recall(), Expected: s.TP + s.FN,
			Missed: r.events[t][0], False: r.events[t][1]}
		if s.TP > 0 {
			tr.StartErr, tr.EndErr = round(s.StartErr/float64(s.TP)), round(s.EndErr/float64(s.TP))
		}
		r.Types = append(r.Types, tr)
	}
}

func round(v float64) *float64 {
	r := math.Round(v*100) / 100
	return &r
}

// WriteJSON prints {"types": [...], "identity": {...}}.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the per-type table for people, then per type every
// missed and every false violation with its scenario and times, then the
// face-by-face check.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\texpected\tTP\tFP\tFN\tprecision\trecall\tstart err s\tend err s\t")
	for _, t := range r.Types {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%s\t%s\t\n", t.Type, t.Expected, t.TP, t.FP, t.FN, t.Precision, t.Recall, opt(t.StartErr), opt(t.EndErr))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range r.Types {
		for _, l := range []struct {
			what string
			evs  []Event
		}{{"missed", t.Missed}, {"false", t.False}} {
			for _, e := range l.evs {
				fmt.Fprintf(w, "  %s %s: %s %.1f–%.1f s%s\n", t.Type, l.what, e.Scenario, e.From, e.To, causeNote(e.Cause))
			}
		}
	}
	f := r.Faces
	if f.Frames == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nfaces, frame by frame: %d expected in %d frames, %d missed, %d extra\n", f.Expected, f.Frames, f.Missed, f.Extra)
	for _, m := range f.Misses {
		got := fmt.Sprint(m.Got)
		if m.Got < 0 {
			got = "not analysed"
		}
		fmt.Fprintf(w, "  %s %.0f–%.0f s (%d frames): %d face(s) there, %s counted (first %s)\n", m.Scenario, m.From, m.To, m.Frames, m.Want, got, m.File)
	}
	return nil
}

func causeNote(c string) string {
	if c == "" {
		return ""
	}
	return " (" + c + ")"
}

func opt(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *v)
}
