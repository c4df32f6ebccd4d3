package analysis

import (
	"strings"
	"testing"

	"vigil/internal/proctor"
)

// heads builds one frame per second with one face whose head pose is
// given per second (yaw, pitch); nil entries are frames without a face.
func heads(poses ...*proctor.HeadPose) []proctor.FrameSignal {
	out := make([]proctor.FrameSignal, len(poses))
	for i, p := range poses {
		out[i] = proctor.FrameSignal{Seq: int64(i), CapturedAt: at(float64(i)), OK: true, MeanLuma: 120}
		if p != nil {
			h := *p
			out[i].Faces = 1
			out[i].Boxes = []proctor.FaceBox{{X: 100, Y: 60, W: 80, H: 100, Score: 0.9, Head: &h}}
		}
	}
	return out
}

// hold repeats a pose n times.
func hold(n int, yaw, pitch float64) []*proctor.HeadPose {
	out := make([]*proctor.HeadPose, n)
	for i := range out {
		out[i] = &proctor.HeadPose{Yaw: yaw, Pitch: pitch}
	}
	return out
}

func script(parts ...[]*proctor.HeadPose) []proctor.FrameSignal {
	var all []*proctor.HeadPose
	for _, p := range parts {
		all = append(all, p...)
	}
	return heads(all...)
}

func TestHeadTurnInDegrees(t *testing.T) {
	// 20 s at the screen, 10 s turned 45° (either way), 20 s back: one
	// head turn from 20 to 30 s, named in degrees.
	for _, yaw := range []float64{45, -45} {
		got := decide(t, script(hold(20, 3, 5), hold(10, 3+yaw, 5), hold(20, 3, 5)), nil, nil)
		check(t, got, want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadTurn})
		if !strings.Contains(got[0].Reason, "head turned up to 45°") || !strings.Contains(got[0].Reason, "more than 35°") {
			t.Errorf("reason %q does not name the angle and the threshold", got[0].Reason)
		}
	}
	// 15° and 30° turns stay under the default 35°.
	for _, yaw := range []float64{15, -30} {
		check(t, decide(t, script(hold(20, 3, 5), hold(10, 3+yaw, 5), hold(20, 3, 5)), nil, nil))
	}
	// The exam's threshold decides: at 25° a 30° turn counts.
	got := decide(t, script(hold(20, 3, 5), hold(10, 33, 5), hold(20, 3, 5)), nil, func(s *proctor.Settings) { s.HeadTurnDegrees = 25 })
	check(t, got, want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadTurn})
	// Turned for less than the minimum: kept, not applied.
	check(t, decide(t, script(hold(20, 3, 5), hold(3, 60, 5), hold(20, 3, 5)), nil, nil),
		want{proctor.FacialSuspicion, 20, 23, false, proctor.CauseHeadTurn})
}

// A camera placed to one side: the student's usual pose is 30° turned,
// and only a turn away from it counts.
func TestHeadTurnFromOwnBaseline(t *testing.T) {
	check(t, decide(t, script(hold(60, 30, 0)), nil, nil))
	check(t, decide(t, script(hold(25, 30, 0), hold(10, -10, 0), hold(25, 30, 0)), nil, nil),
		want{proctor.FacialSuspicion, 25, 35, true, proctor.CauseHeadTurn})
}

func TestHeadDown(t *testing.T) {
	got := decide(t, script(hold(20, 0, 5), hold(10, 5, 38), hold(20, 0, 5)), nil, nil)
	check(t, got, want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadDown})
	if !strings.Contains(got[0].Reason, "tilted down up to 33°") {
		t.Errorf("reason %q", got[0].Reason)
	}
	// Looking up is not looking away; nor is a profile whose fitted pitch
	// swings (gimbal lock), which counts as a turn instead.
	check(t, decide(t, script(hold(20, 0, 5), hold(10, 0, -40), hold(20, 0, 5)), nil, nil))
	got = decide(t, script(hold(20, 0, 5), hold(10, 85, 80), hold(20, 0, 5)), nil, nil)
	check(t, got, want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadTurn})
}

// One wild reading is smoothed away; a face lost in the middle of a turn
// (a profile the detector misses) breaks the run.
func TestHeadTurnSmoothing(t *testing.T) {
	poses := hold(40, 0, 0)
	poses[20] = &proctor.HeadPose{Yaw: 80}
	check(t, decide(t, script(poses), nil, nil))
}

// Signals stored before the head-pose model keep the landmark yaw rule.
func TestLegacyLandmarkYaw(t *testing.T) {
	var sigs []proctor.FrameSignal
	for i := range 50 {
		s := proctor.FrameSignal{Seq: int64(i), CapturedAt: at(float64(i)), OK: true, Faces: 1, PoseOK: true,
			Boxes: []proctor.FaceBox{{X: 100, Y: 60, W: 80, H: 100, Score: 0.9}}}
		if i >= 20 && i < 30 {
			s.Yaw = 0.3
		}
		sigs = append(sigs, s)
	}
	got := decide(t, sigs, nil, nil)
	check(t, got, want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadTurn})
	if !strings.Contains(got[0].Detail, "inter-ocular") {
		t.Errorf("detail %q", got[0].Detail)
	}
}

// A turn narrows the face's box without changing its height: the same
// stretch of framing, so the baseline holds across the turn.
func TestTurnKeepsFraming(t *testing.T) {
	sigs := script(hold(20, 0, 0), hold(10, 70, 0), hold(20, 0, 0))
	for i := 20; i < 30; i++ {
		sigs[i].Boxes[0].W, sigs[i].Boxes[0].X = 55, 110
	}
	check(t, decide(t, sigs, nil, nil), want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseHeadTurn})
}

func TestHeadThresholdSettings(t *testing.T) {
	for _, c := range []struct {
		json string
		ok   bool
	}{
		{`{"head_turn_degrees": 40, "head_down_degrees": 20}`, true},
		{`{"head_turn_degrees": 0}`, true}, // the default
		{`{"head_turn_degrees": 2}`, false},
		{`{"head_down_degrees": 120}`, false},
	} {
		s, err := proctor.ParseSettings([]byte(c.json))
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.json, err)
		}
		if err == nil && (s.HeadTurn() < 5 || s.HeadDown() < 5) {
			t.Errorf("%s: thresholds %v %v", c.json, s.HeadTurn(), s.HeadDown())
		}
	}
	if s := proctor.DefaultSettings(); s.HeadTurn() != 35 || s.HeadDown() != 25 {
		t.Errorf("defaults %v %v", s.HeadTurn(), s.HeadDown())
	}
}

// The pupils' offset counts as a glance only while the head is near its
// usual pose: with the head turned 30° (under the 35° threshold) the
// landmarks shift in perspective and a gaze shift is not read.
func TestGazeOnlyWithHeadStill(t *testing.T) {
	sigs := script(hold(20, 0, 0), hold(10, 0, 0), hold(20, 0, 0))
	for i := range sigs {
		sigs[i].PoseOK = true
		if i >= 20 && i < 30 {
			sigs[i].GazeX = 0.12
		}
	}
	check(t, decide(t, sigs, nil, nil), want{proctor.FacialSuspicion, 20, 30, true, proctor.CauseGaze})
	for i := 20; i < 30; i++ {
		sigs[i].Boxes[0].Head.Yaw = 30
	}
	check(t, decide(t, sigs, nil, nil))
}
