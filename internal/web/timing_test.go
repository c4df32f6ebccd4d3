package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestSessionIsTimedByItsRecording: a student who spends a minute in the
// system check before the camera starts gets a session timed from the
// first recorded frame — the page says the recorded duration and the time
// before recording apart — and 15 s without frames is a gap on the
// timeline.
func TestSessionIsTimedByItsRecording(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, nil)
	sc := &scenario.Scenario{Name: "late camera", Duration: 100, FPS: 1,
		Video: []scenario.VideoSpan{{From: 60, To: 75, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 90, To: 100, Frames: "webcam320/biden_headshoulders.jpg"}}}
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	res, err := c.Play(context.Background(), srv.Link(t, f, 0), sc, time.Now().UTC().Add(-3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sess := srv.WaitAnalysed(t, res.Session.ID)
	if got := sess.Duration(); got != 39*time.Second {
		t.Fatalf("recorded duration %v, want 39 s (first frame at 60 s, last at 99 s)", got)
	}
	if got := sess.BeforeRecording(); got != time.Minute {
		t.Fatalf("before recording %v, want 1 min", got)
	}
	cl, _ := srv.SignIn(t, &f.Instructor)
	status, page := get(t, cl, fmt.Sprintf("%s/sessions/%d", srv.URL, sess.ID))
	if status != http.StatusOK {
		t.Fatalf("session page: %d", status)
	}
	m := regexp.MustCompile(`data-duration-s="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the session page has no data-duration-s")
	}
	if n, _ := strconv.Atoi(m[1]); n != 39 {
		t.Fatalf("data-duration-s = %d, want 39", n)
	}
	if !regexp.MustCompile(`id="before-recording">1:00 in the system check`).MatchString(page) {
		t.Fatal("the page does not show the minute before recording apart")
	}
	status, body := get(t, cl, fmt.Sprintf("%s/sessions/%d/timeline.json", srv.URL, sess.ID))
	if status != http.StatusOK {
		t.Fatalf("timeline: %d", status)
	}
	var tl struct {
		DurationMS int64      `json:"duration_ms"`
		Frames     [][2]int64 `json:"frames"`
		Gaps       [][2]int64 `json:"gaps"`
	}
	if err := json.Unmarshal([]byte(body), &tl); err != nil {
		t.Fatal(err)
	}
	if tl.DurationMS != 39000 || len(tl.Frames) == 0 || tl.Frames[0][1] != 0 {
		t.Fatalf("timeline: duration %d ms, first frame at %v: want 39000 and 0", tl.DurationMS, tl.Frames[:1])
	}
	if len(tl.Gaps) != 1 || tl.Gaps[0] != [2]int64{14000, 30000} {
		t.Fatalf("gaps %v, want [[14000 30000]]", tl.Gaps)
	}
}
