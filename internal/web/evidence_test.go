package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/analysis/voice"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/testserver"
	"vigil/media"
)

// TestEvidenceForEveryViolation: every violation of every type found in a
// session carries evidence the instructor can open — the webcam frame at
// its start for all, the key, page or app in words, and for Background
// Audio a playable clip of the span with its waveform — each marked
// data-evidence with its type; one paste seen as a key and a paste is one
// Keystrokes violation.
func TestEvidenceForEveryViolation(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	f := srv.NewFixture(t, 1, func(s *proctor.Settings) {
		s.QuizInWindow = true
		s.BlacklistedApps = []string{"zoom"}
	})
	sc := &scenario.Scenario{Name: "evidence", Duration: 60, FPS: 1,
		Video: []scenario.VideoSpan{{From: 0, To: 20, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 20, To: 30, Frames: "frames/desk_empty_dlib/*.jpg"}, {From: 30, To: 60, Frames: "webcam320/biden_headshoulders.jpg"}},
		Audio: []scenario.AudioSpan{{From: 32, To: 43, File: "audio/speech_jfk_16k.wav"}},
		Events: []scenario.Event{{At: 5, Kind: proctor.EventKey, Combo: "Ctrl+V"}, {At: 5.01, Kind: proctor.EventPaste},
			{At: 8, Kind: proctor.EventFocusLost}, {At: 15, Kind: proctor.EventFocusGained},
			{At: 45, Kind: proctor.EventApp, Name: "zoom", State: "running"}, {At: 52, Kind: proctor.EventApp, Name: "zoom", State: "stopped"}}}
	c := &simclient.Client{Base: srv.URL, HTTP: http.DefaultClient, Media: media.FS}
	res, err := c.Play(context.Background(), srv.Link(t, f, 0), sc, time.Now().UTC().Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sess := srv.WaitAnalysed(t, res.Session.ID)
	vs, err := srv.Store.ListViolations(context.Background(), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	byType := map[proctor.ViolationType][]proctor.Violation{}
	for _, v := range vs {
		byType[v.Type] = append(byType[v.Type], v)
	}
	for _, typ := range []proctor.ViolationType{proctor.Keystrokes, proctor.OnlineAid, proctor.LeftSession, proctor.BackgroundAudio, proctor.BlacklistedApps} {
		if len(byType[typ]) == 0 {
			t.Fatalf("no %s violation in %+v", typ, vs)
		}
	}
	if n := len(byType[proctor.Keystrokes]); n != 1 {
		t.Errorf("%d Keystrokes violations for one Ctrl+V seen as a key and a paste, want 1", n)
	}

	cl, _ := srv.SignIn(t, &f.Instructor)
	status, page := get(t, cl, fmt.Sprintf("%s/sessions/%d?tab=violations", srv.URL, sess.ID))
	if status != http.StatusOK {
		t.Fatalf("violations tab: %d", status)
	}
	articles := regexp.MustCompile(`(?s)<article id="violation-(\d+)".*?</article>`).FindAllStringSubmatch(page, -1)
	if len(articles) != len(vs) {
		t.Fatalf("%d violation articles, %d violations", len(articles), len(vs))
	}
	for _, a := range articles {
		var v proctor.Violation
		for _, x := range vs {
			if fmt.Sprint(x.ID) == a[1] {
				v = x
			}
		}
		if !strings.Contains(a[0], `data-evidence="`+string(v.Type)+`"`) || !strings.Contains(a[0], "/frames/") {
			t.Errorf("violation %s (%s) has no evidence with a webcam frame:\n%s", a[1], v.Type, a[0])
		}
		wantText := map[proctor.ViolationType]string{proctor.Keystrokes: "Pressed Ctrl+V", proctor.OnlineAid: "Left the exam window",
			proctor.BlacklistedApps: "App zoom running"}[v.Type]
		if wantText != "" && !strings.Contains(html.UnescapeString(a[0]), wantText) {
			t.Errorf("violation %s (%s): evidence lacks %q:\n%s", a[1], v.Type, wantText, a[0])
		}
	}

	audio := byType[proctor.BackgroundAudio][0]
	clipURL := fmt.Sprintf("%s/media/sessions/%d/violations/%d/audio", srv.URL, sess.ID, audio.ID)
	if !strings.Contains(page, fmt.Sprintf("/media/sessions/%d/violations/%d/audio", sess.ID, audio.ID)) {
		t.Fatal("the violations tab has no clip for the Background Audio violation")
	}
	status, body := get(t, cl, clipURL)
	if status != http.StatusOK {
		t.Fatalf("clip: %d %s", status, body)
	}
	samples, rate, err := voice.DecodeWAV([]byte(body))
	if err != nil {
		t.Fatalf("clip is not a WAV: %v", err)
	}
	wantLen := (audio.End.Sub(audio.Start) + 2*time.Second).Seconds()
	if rate != voice.Rate || absF(float64(len(samples))/float64(rate)-wantLen) > 0.1 {
		t.Fatalf("clip: %d samples at %d Hz, want %.1f s at %d", len(samples), rate, wantLen, voice.Rate)
	}
	if loud := peak(samples[rate : len(samples)-rate]); loud < 0.05 {
		t.Fatalf("the clip's span is silent (peak %.3f): the speech was not placed", loud)
	}
	status, svg := get(t, cl, fmt.Sprintf("%s/media/sessions/%d/violations/%d/waveform", srv.URL, sess.ID, audio.ID))
	if status != http.StatusOK || !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<rect") < 400 {
		t.Fatalf("waveform: %d %.200s", status, svg)
	}
	// Another violation type has no clip, and a stranger gets nothing.
	if status, _ := get(t, cl, fmt.Sprintf("%s/media/sessions/%d/violations/%d/audio", srv.URL, sess.ID, byType[proctor.Keystrokes][0].ID)); status != http.StatusNotFound {
		t.Errorf("clip of a Keystrokes violation: %d, want 404", status)
	}
	other := proctor.User{Email: "other@example.edu", Name: "Other Teacher", Role: proctor.RoleInstructor}
	if err := srv.Store.CreateUser(context.Background(), &other, ""); err != nil {
		t.Fatal(err)
	}
	stranger, _ := srv.SignIn(t, &other)
	if status, body := get(t, stranger, clipURL); status != http.StatusNotFound || bytes.HasPrefix([]byte(body), []byte("RIFF")) {
		t.Errorf("another course's instructor got the clip: %d", status)
	}
}

func peak(x []float32) float32 {
	var p float32
	for _, v := range x {
		p = max(p, v, -v)
	}
	return p
}

func absF(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
