package export

import (
	"bytes"
	"encoding/csv"
	"testing"

	"vigil/internal/proctor"
)

// TestTablesNeutraliseFormulas: names, notes and reasons typed by people
// reach violations.csv and sessions.csv as text, never as formulas.
func TestTablesNeutraliseFormulas(t *testing.T) {
	sd := sessionData{
		session: &proctor.Session{ID: 1, ExamID: 7},
		student: &proctor.Student{ID: 2, FirstName: "@SUM(A1)", LastName: "+cmd", Email: "-x@example.edu"},
		violations: []proctor.Violation{{ID: 3, SessionID: 1, Applied: true, Type: proctor.ViolationTypes[0],
			DecisionNote: `=HYPERLINK("http://evil.example")`, Detail: "\t=1"}},
	}
	var v, s bytes.Buffer
	if err := writeViolationsCSV(&v, []sessionData{sd}); err != nil {
		t.Fatal(err)
	}
	if err := writeSummaryCSV(&s, []sessionData{sd}, map[int64]*proctor.Exam{7: {Title: "=Midterm"}}); err != nil {
		t.Fatal(err)
	}
	for name, buf := range map[string]*bytes.Buffer{"violations.csv": &v, "sessions.csv": &s} {
		recs, err := csv.NewReader(buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			for _, c := range rec {
				if c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '@' || c[0] == '\t' || c[0] == '\r' ||
					(c[0] == '-' && c != "-1")) {
					t.Errorf("%s: cell %q would run as a formula", name, c)
				}
			}
		}
	}
}
