package export

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"vigil/internal/csvsafe"
	"vigil/internal/proctor"
)

// timeText writes times as RFC 3339 in UTC, empty when unset.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// readmeStudents: up to this many sessions, the README names each student.
const readmeStudents = 25

func readme(e *proctor.Export, course *proctor.Course, exams map[int64]*proctor.Exam, sessions []sessionData) file {
	return file{path: "README.txt", method: zip.Deflate, write: func(_ context.Context, w io.Writer) error {
		var titles []string
		for _, ex := range exams {
			titles = append(titles, ex.Title)
		}
		items := make([]string, len(e.Items))
		for i, it := range e.Items {
			items[i] = it.Label()
		}
		_, err := fmt.Fprintf(w, `Vigil evidence export %d
Course: %s %s
Exam: %s
Sessions: %d
%sItems: %s
Requested: %s

sessions.csv      one row per session: student, attempt, times, state, Pass/Fail and why, applied violations by type
violations.csv    every violation, applied or not, with the rule's reason and the instructor's decision
violations.json   the same, with the evidence each was decided from
sessions/...      per session: events.json, snapshots/, video/ (WebM), scans/
onboarding/...    per student: the onboarding photos
manifest.json     every file with its size and SHA-256; SHA256SUMS the same for "sha256sum -c SHA256SUMS"

Pass/Fail comes from violations only. It is not a grade and Vigil never changes grades.
`, e.ID, course.Code, course.Title, strings.Join(titles, ", "), len(e.SessionIDs), studentLines(sessions), strings.Join(items, ", "), timeText(e.CreatedAt))
		return err
	}}
}

// studentLines names the student of each session (of a few sessions; of
// many, says where they are listed).
func studentLines(sessions []sessionData) string {
	if len(sessions) > readmeStudents {
		return fmt.Sprintf("Students: %d sessions, each named in sessions.csv\n", len(sessions))
	}
	var b strings.Builder
	if len(sessions) > 1 {
		b.WriteString("Students:\n")
	}
	for _, sd := range sessions {
		label := "Student"
		if len(sessions) > 1 {
			label = "  Student"
		}
		email := ""
		if sd.student.Email != "" {
			email = " <" + sd.student.Email + ">"
		}
		fmt.Fprintf(&b, "%s: %s%s, attempt %d (session %d)\n", label, sd.student.FullName(), email, sd.session.AttemptLabel(), sd.session.ID)
	}
	return b.String()
}

func writeSummaryCSV(w io.Writer, sessions []sessionData, exams map[int64]*proctor.Exam) error {
	cw := csvsafe.NewWriter(w)
	head := []string{"session_id", "exam", "student_id", "first_name", "last_name", "email", "attempt", "state", "started_at",
		"finished_at", "duration_seconds", "before_recording_seconds", "automated_verdict", "reviewed", "reviewed_verdict", "verdict_reason"}
	for _, t := range proctor.ViolationTypes {
		head = append(head, string(t))
	}
	cw.Write(head)
	for _, sd := range sessions {
		s, st := sd.session, sd.student
		row := []string{id(s.ID), exams[s.ExamID].Title, id(st.ID), st.FirstName, st.LastName, st.Email, strconv.Itoa(s.AttemptLabel()),
			string(s.State), timeText(s.Origin()), timeText(s.FinishedAt), strconv.Itoa(int(s.Duration().Seconds())),
			strconv.Itoa(int(s.BeforeRecording().Seconds())),
			s.Verdict.Label(), strconv.FormatBool(s.Reviewed), s.ReviewedVerdict.Label(), sd.reason}
		counts := map[proctor.ViolationType]int{}
		for _, v := range sd.violations {
			if v.Applied {
				counts[v.Type]++
			}
		}
		for _, t := range proctor.ViolationTypes {
			row = append(row, strconv.Itoa(counts[t]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func writeViolationsCSV(w io.Writer, sessions []sessionData) error {
	cw := csvsafe.NewWriter(w)
	cw.Write([]string{"violation_id", "session_id", "student", "type", "start", "end", "seconds", "confidence", "applied", "rule",
		"reason", "cause", "detail", "decision", "decision_note", "decided_at"})
	for _, sd := range sessions {
		for _, v := range sd.violations {
			cw.Write([]string{id(v.ID), id(v.SessionID), sd.student.FullName(), string(v.Type), timeText(v.Start), timeText(v.End),
				strconv.FormatFloat(v.Duration().Seconds(), 'f', 1, 64), strconv.FormatFloat(v.Confidence, 'f', 2, 64),
				strconv.FormatBool(v.Applied), v.Rule, v.Reason, string(v.Cause), v.Detail, string(v.Decision), v.DecisionNote,
				timeText(v.DecidedAt)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// violationJSON is a violation as violations.json writes it.
type violationJSON struct {
	ID           int64            `json:"id"`
	SessionID    int64            `json:"session_id"`
	StudentID    int64            `json:"student_id"`
	Student      string           `json:"student"`
	Type         string           `json:"type"`
	Start        string           `json:"start"`
	End          string           `json:"end"`
	Confidence   float64          `json:"confidence"`
	Applied      bool             `json:"applied"`
	Rule         string           `json:"rule"`
	Reason       string           `json:"reason"`
	Cause        string           `json:"cause,omitempty"`
	Evidence     proctor.Evidence `json:"evidence"`
	Decision     string           `json:"decision,omitempty"`
	DecisionNote string           `json:"decision_note,omitempty"`
	DecidedAt    string           `json:"decided_at,omitempty"`
}

func writeViolationsJSON(w io.Writer, sessions []sessionData) error {
	out := []violationJSON{}
	for _, sd := range sessions {
		for _, v := range sd.violations {
			out = append(out, violationJSON{ID: v.ID, SessionID: v.SessionID, StudentID: sd.student.ID, Student: sd.student.FullName(),
				Type: string(v.Type), Start: timeText(v.Start), End: timeText(v.End), Confidence: v.Confidence, Applied: v.Applied,
				Rule: v.Rule, Reason: v.Reason, Cause: string(v.Cause), Evidence: v.Evidence, Decision: string(v.Decision),
				DecisionNote: v.DecisionNote, DecidedAt: timeText(v.DecidedAt)})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// eventJSON is an event as events.json writes it.
type eventJSON struct {
	At       string `json:"at"`
	Kind     string `json:"kind"`
	Combo    string `json:"combo,omitempty"`
	Surface  string `json:"surface,omitempty"`
	Count    int    `json:"count,omitempty"`
	Name     string `json:"name,omitempty"`
	Title    string `json:"title,omitempty"`
	State    string `json:"state,omitempty"`
	URL      string `json:"url,omitempty"`
	Source   string `json:"source,omitempty"`
	Received string `json:"received_at"`
}

func (b *Builder) writeEvents(ctx context.Context, w io.Writer, s *proctor.Session) error {
	events, err := b.Store.ListEvents(ctx, s.ID)
	if err != nil {
		return err
	}
	out := make([]eventJSON, len(events))
	for i, e := range events {
		out[i] = eventJSON{At: e.At.UTC().Format(time.RFC3339Nano), Kind: string(e.Kind), Combo: e.Combo, Surface: e.Surface, Count: e.Count,
			Name: e.Name, Title: e.Title, State: e.AppState, URL: e.URL, Source: e.Source, Received: timeText(e.ReceivedAt)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func id(v int64) string { return strconv.FormatInt(v, 10) }
