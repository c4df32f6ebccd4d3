package proctor

import (
	"strings"
	"testing"
	"time"
)

// TestRecordingHealthyQuizPassword: when the quiz password may be shown.
func TestRecordingHealthyQuizPassword(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	live := &Session{State: StateInProgress}
	s := DefaultSettings()
	screen := s
	screen.RequireScreenShare = true
	slow := s
	slow.FrameIntervalSeconds = 10
	running := RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(59 * time.Second), LastWebcam: t0.Add(55 * time.Second),
		LastScreen: t0.Add(52 * time.Second)}
	cases := []struct {
		name string
		a    RecordingActivity
		now  time.Time
		sess *Session
		set  Settings
		ok   bool
		why  string
	}{
		{"running", running, t0.Add(60 * time.Second), live, screen, true, ""},
		{"not started", RecordingActivity{}, t0, live, s, false, "not received your camera"},
		{"first seconds: no chunk due yet", RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(5 * time.Second)}, t0.Add(6 * time.Second), live, screen, true, ""},
		{"chunk due and missing", RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(29 * time.Second)}, t0.Add(30 * time.Second), live, s, false, "video and microphone"},
		{"camera stopped", running, t0.Add(59*time.Second + HealthyFrameWindow + time.Second), live, s, false, "nothing from your camera"},
		{"slow frames: three intervals", running, t0.Add(59*time.Second + 25*time.Second), live, slow, false, "video or sound"},
		{"microphone chunks stopped", RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(85 * time.Second), LastWebcam: t0.Add(55 * time.Second)},
			t0.Add(85 * time.Second), live, s, false, "video or sound"},
		{"screen stopped", RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(90 * time.Second), LastWebcam: t0.Add(85 * time.Second),
			LastScreen: t0.Add(52 * time.Second)}, t0.Add(90 * time.Second), live, screen, false, "shared screen"},
		{"screen not asked", RecordingActivity{FirstFrame: t0, LastFrame: t0.Add(90 * time.Second), LastWebcam: t0.Add(85 * time.Second)},
			t0.Add(90 * time.Second), live, s, true, ""},
		{"finished", running, t0.Add(60 * time.Second), &Session{State: StateSubmitted}, s, false, "ended"},
	}
	for _, c := range cases {
		ok, why := c.a.Healthy(c.now, c.sess, c.set)
		if ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%s: Healthy = %v %q, want %v %q", c.name, ok, why, c.ok, c.why)
		}
	}
}
