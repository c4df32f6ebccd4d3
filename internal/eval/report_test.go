package eval

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"vigil/internal/proctor"
	"vigil/internal/scenario"
)

// The report lists every missed and every false violation per type with
// its scenario and times, and counts every missed face, not every run of
// missed faces.
func TestReportListsMissesAndFaces(t *testing.T) {
	exp := []scenario.Expected{{Type: proctor.FacialSuspicion, From: 20, To: 30}, {Type: proctor.LeftSession, From: 40, To: 50}}
	rep := []scenario.Reported{{Type: proctor.LeftSession, From: 41, To: 50, Cause: "no_face"}, {Type: proctor.MultiplePeople, From: 5, To: 9}}
	a := &Outcome{Name: "turns", Expected: exp, Reported: rep, Scores: scenario.Match(exp, rep, proctor.ViolationTypes),
		Faces: Faces{Frames: 10, Expected: 10, Missed: 3, Misses: []FaceMiss{
			{Scenario: "turns", From: 3, To: 5, Frames: 3, Want: 1, Got: 0, File: "a.jpg"}}}}
	b := &Outcome{Name: "poster", Scores: scenario.Match(nil, []scenario.Reported{{Type: proctor.MultiplePeople, From: 0, To: 30}}, proctor.ViolationTypes),
		Faces: Faces{Frames: 30, Expected: 30, Extra: 30, Misses: []FaceMiss{{Scenario: "poster", From: 0, To: 29, Frames: 30, Want: 1, Got: 2, File: "p.jpg"}}}}
	r := Summarize([]*Outcome{a, b})
	var out bytes.Buffer
	if err := r.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"facial_suspicion missed: turns 20.0–30.0 s",
		"multiple_people false: turns 5.0–9.0 s",
		"multiple_people false: poster 0.0–30.0 s",
		"faces, frame by frame: 40 expected in 40 frames, 3 missed, 30 extra",
		"turns 3–5 s (3 frames): 1 face(s) there, 0 counted (first a.jpg)",
		"poster 0–29 s (30 frames): 1 face(s) there, 2 counted",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "left_session missed") {
		t.Errorf("a matched violation listed as missed:\n%s", text)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Types []TypeResult `json:"types"`
		Faces Faces        `json:"faces"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	for _, tr := range back.Types {
		if tr.Type == proctor.MultiplePeople && (len(tr.False) != 2 || tr.False[1].Scenario != "poster") {
			t.Errorf("JSON false positives %+v", tr.False)
		}
	}
	if back.Faces.Missed != 3 || len(back.Faces.Misses) != 2 || back.Faces.Misses[0].Frames != 3 {
		t.Errorf("JSON faces %+v", back.Faces)
	}
}
