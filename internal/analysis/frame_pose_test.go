package analysis_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/proctor"
)

// The frame path records how much each face's box changed, and reads the head pose of a frame's only face with the pose
// model, and only when the picture changed: a repeated frame reuses the
// detection and the pose with it; a frame with two faces has none.
func TestFrameHeadPose(t *testing.T) {
	m := models(t)
	t.Cleanup(func() { _ = m.Close() })
	a := m.Frames()
	a.Stages = &analysis.Stages{}
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(sharedMedia, rel))
		if err != nil {
			t.Fatalf("the shared media must be beside the repository: %v", err)
		}
		return b
	}
	still := read("frames/eyes_center_10s/f01_320.jpg")
	shots := [][]byte{still, still, read("frames/eyes_center_10s/f02_320.jpg"), read("webcam320/two_people.jpg"), still}
	tr, start := &analysis.Tracker{}, time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var sigs []proctor.FrameSignal
	for i, data := range shots {
		sig, err := a.Analyze(context.Background(), tr, &proctor.Frame{Seq: int64(i), CapturedAt: start.Add(time.Duration(i) * time.Second)}, data)
		if err != nil || !sig.OK {
			t.Fatalf("frame %d: %v %s", i, err, sig.Error)
		}
		sigs = append(sigs, sig)
	}
	for _, i := range []int{0, 1, 2, 4} {
		h := sigs[i].Boxes[0].Head
		if sigs[i].Faces != 1 || h == nil {
			t.Fatalf("frame %d: %d faces, head %v", i, sigs[i].Faces, h)
		}
		if h.Yaw < -15 || h.Yaw > 15 || h.Pitch < -20 || h.Pitch > 20 {
			t.Errorf("frame %d: %+v, want a frontal face", i, *h)
		}
	}
	if !sigs[1].Reused || *sigs[1].Boxes[0].Head != *sigs[0].Boxes[0].Head {
		t.Errorf("repeated frame: reused %v, head %+v vs %+v", sigs[1].Reused, sigs[1].Boxes[0].Head, sigs[0].Boxes[0].Head)
	}
	// How much each face's box changed since the frame before: nothing to
	// compare the first frame with, nothing changed in the repeated one.
	if c0, c1 := sigs[0].Boxes[0].Change, sigs[1].Boxes[0].Change; c0 != nil || c1 == nil || *c1 != 0 {
		t.Errorf("box change: first %v, repeated %v", c0, c1)
	}
	for _, b := range sigs[3].Boxes {
		if b.Head != nil {
			t.Errorf("two faces: head pose %+v on a box", *b.Head)
		}
	}
	// The model ran once per single-face frame whose detection was not
	// reused: 0 and 4 at least (4 follows a different picture).
	want := 0
	for _, s := range sigs {
		if s.Faces == 1 && !s.Reused {
			want++
		}
	}
	if a.Stages.Posed != want || want < 2 || sigs[4].Reused {
		t.Errorf("pose model ran %d times, want %d (frame 4 reused: %v)", a.Stages.Posed, want, sigs[4].Reused)
	}
}
