package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/eval"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
)

// faceScenarios are the head turns, animals and pictures of faces made by
// testdata/media/genfaces.go from real photos (docs/DETECTION.md).
const faceScenarios = "../../testdata/scenarios/faces/*.json"

// knownFaceMisses are the violations these scenarios expect and Vigil does
// not report, or reports and they do not expect, each with the reason. The
// list is exact: a new miss fails the test, and so does one that went away
// (then take it off the list and the docs).
var knownFaceMisses = map[string]string{
	"tune-cat left_session missed":             "YuNet takes the cat's face for a face (score 0.99) in half the frames, so the absence never lasts 5 s",
	"judge-dogs left_session missed":           "YuNet (0.85), UltraFace and the landmark crop all take this dog's face for a face, with human landmark geometry",
	"judge-photo-held left_session missed":     "a printed photo held up moves with the hand like a face; no cue here tells it from the student",
	"judge-down facial_suspicion missed":       "one of the two people looking down reads 24° nose down from the student's usual pose, under the 25° threshold",
	"judge-screen-video multiple_people false": "a face in a video call on a second screen moves like a person's",
}

// TestFaceScenarios plays the face scenarios through the real ingest API
// and analysis, and requires that what they miss is exactly the known list,
// that every other expected violation is found with nothing false, and that
// no live face is missed frame by frame.
func TestFaceScenarios(t *testing.T) {
	scenarios := loadScenarios(t, faceScenarios)
	srv := testserver.Start(t, testserver.Options{})
	r := &eval.Runner{Store: srv.Store, Now: time.Now, Wait: time.Minute,
		Client: &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Retries: 3,
			Media: eval.Media{os.DirFS(filepath.Join(shared, "media")), os.DirFS(ownMedia)}}}
	rep, outcomes, err := r.Run(context.Background(), scenarios)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range rep.Types {
		for _, e := range tr.Missed {
			got = append(got, fmt.Sprintf("%s %s missed", e.Scenario, tr.Type))
		}
		for _, e := range tr.False {
			got = append(got, fmt.Sprintf("%s %s false", e.Scenario, tr.Type))
		}
	}
	for _, g := range got {
		if _, ok := knownFaceMisses[g]; !ok {
			t.Errorf("new miss: %s", g)
		}
	}
	for k := range knownFaceMisses {
		if !slices.Contains(got, k) {
			t.Errorf("%s no longer happens: take it off knownFaceMisses and docs/DETECTION.md", k)
		}
	}
	for _, part := range []eval.Part{eval.Tuning, eval.Judging} {
		var in []*eval.Outcome
		for _, o := range outcomes {
			if eval.PartOf(o.Name) == part {
				in = append(in, o)
			}
		}
		if len(in) == 0 {
			t.Errorf("no face scenario in the %s part", part)
			continue
		}
		var b strings.Builder
		if err := eval.Summarize(in).WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s part (%d scenarios):\n%s", part, len(in), b.String())
	}
	if rep.Faces.Missed != 0 || rep.Faces.Frames == 0 {
		t.Errorf("frame by frame: %d of %d live faces missed", rep.Faces.Missed, rep.Faces.Expected)
	}
}
