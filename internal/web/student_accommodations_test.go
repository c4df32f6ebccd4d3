package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/browsertest"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestStudentAccommodationsShownAndHonoured: the instructor arranges, for
// one student who uses speech input, that leaving the camera's view is
// not flagged, that their dictation app is allowed and that Ctrl+C and
// Ctrl+V ("copy that", "paste that") are not flagged. The student reads
// this on the consent page and in the system check's accessibility row;
// and in the same exam the other student's copy, paste and absence are
// flagged while theirs are not.
func TestStudentAccommodationsShownAndHonoured(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 2, noScans)
	hc, csrf := srv.SignIn(t, &f.Instructor)
	form := url.Values{"csrf": {csrf}, "student": {strconv.FormatInt(f.Students[0].ID, 10)}, "off": {"left_session"},
		"allowed_apps": {"Dragon"}, "allowed_keys": {"ctrl+c\nCtrl+V"}, "note": {"speech input, per the accessibility office"}}
	if res := post(t, hc, fmt.Sprintf("%s/exams/%d/accommodations", srv.URL, f.Exam.ID), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save accommodation: %d", res.StatusCode)
	}
	bad := url.Values{"csrf": {csrf}, "student": {strconv.FormatInt(f.Students[1].ID, 10)}, "allowed_keys": {"Ctrl+"}}
	if res := post(t, hc, fmt.Sprintf("%s/exams/%d/accommodations", srv.URL, f.Exam.ID), bad); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("an allowed key that is no key combination: %d, want 400", res.StatusCode)
	}

	// The same exam for both: away from 10 to 20 s, a copy and a paste.
	sc := &scenario.Scenario{Name: "copy", Duration: 30, FPS: 1,
		Video: []scenario.VideoSpan{{From: 0, To: 10, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 10, To: 20, Frames: "frames/desk_empty_dlib/*.jpg"}, {From: 20, To: 30, Frames: "webcam320/biden_headshoulders.jpg"}},
		Events: []scenario.Event{{At: 22, Kind: proctor.EventKey, Combo: "Ctrl+C"}, {At: 24, Kind: proctor.EventPaste}}}
	applied := func(i int) map[proctor.ViolationType]bool {
		t.Helper()
		c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
		res, err := c.Play(context.Background(), srv.Link(t, f, i), sc, time.Now().UTC().Add(-2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		sess := srv.WaitAnalysed(t, res.Session.ID)
		vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
		must(t, err)
		out := map[proctor.ViolationType]bool{}
		for _, v := range vs {
			out[v.Type] = out[v.Type] || v.Applied
		}
		return out
	}
	if with, without := applied(0), applied(1); with[proctor.Keystrokes] || with[proctor.LeftSession] ||
		!without[proctor.Keystrokes] || !without[proctor.LeftSession] {
		t.Fatalf("applied with the accommodation %v, without %v", with, without)
	}

	// What the student reads before the exam (a new attempt, from a new link).
	ctx := studentBrowser(t, "keyboard_typing_10s_48k.wav", "")
	browsertest.Step(t, ctx, "open the exam link", chromedp.Navigate(studentURL(srv, srv.Link(t, f, 0))))
	stepIs(t, ctx, "welcome", 15*time.Second)
	browsertest.Wait(t, ctx, "the accommodations are shown", `!document.getElementById('accommodations').hidden`, 10*time.Second)
	arranged := browsertest.Eval[string](t, ctx, `document.getElementById('accommodations').innerText`)
	for _, want := range []string{"You may leave the camera's view", "Dragon", "Ctrl+C, Ctrl+V"} {
		if !strings.Contains(arranged, want) {
			t.Errorf("the consent page's accommodations lack %q:\n%s", want, arranged)
		}
	}
	if strings.Contains(arranged, "accessibility office") {
		t.Error("the student is shown the instructor's note")
	}
	checkStudentPage(t, ctx, "welcome", "Agree")
	runChecks(t, ctx, false)
	row := browsertest.Eval[string](t, ctx, `document.getElementById('check-assistive').innerText`)
	if !strings.Contains(row, "NVDA") || !strings.Contains(row, "Dragon is allowed for you") || !strings.Contains(row, "Ctrl+C, Ctrl+V are not flagged for you") {
		t.Errorf("the accessibility check reads %q", row)
	}
	checkStudentPage(t, ctx, "check", "System check")
}
