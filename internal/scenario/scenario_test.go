package scenario

import (
	"testing"
	"testing/fstest"

	"vigil/internal/proctor"
)

func TestMatchWidensAndCountsOnce(t *testing.T) {
	exp := []Expected{
		{Type: proctor.LeftSession, From: 20, To: 35},
		{Type: proctor.LeftSession, From: 50, To: 52},
		{Type: proctor.Keystrokes, From: 25, To: 25},
	}
	rep := []Reported{
		{Type: proctor.LeftSession, From: 21, To: 34},
		{Type: proctor.LeftSession, From: 22, To: 30},    // a second report of the same span: FP
		{Type: proctor.Keystrokes, From: 27.5, To: 27.5}, // within 3 s widening of both
		{Type: proctor.OnlineAid, From: 1, To: 9},        // type not scored
	}
	s := Match(exp, rep, []proctor.ViolationType{proctor.LeftSession, proctor.Keystrokes})
	ls, ks := s[proctor.LeftSession], s[proctor.Keystrokes]
	if ls.TP != 1 || ls.FP != 1 || ls.FN != 1 || ls.StartErr != 1 || ls.EndErr != 1 {
		t.Fatalf("left session score %+v", ls)
	}
	// What was missed and what was reported falsely, with their times.
	if len(ls.Missed) != 1 || ls.Missed[0].From != 50 || len(ls.False) != 1 || ls.False[0].From != 22 || ks.Missed != nil || ks.False != nil {
		t.Fatalf("left session missed %+v, false %+v; keystrokes %+v %+v", ls.Missed, ls.False, ks.Missed, ks.False)
	}
	if ks.TP != 1 || ks.FP != 0 || ks.FN != 0 || ks.Precision() != 1 || ks.Recall() != 1 {
		t.Fatalf("keystrokes score %+v", ks)
	}
	if ls.Precision() != 0.5 || ls.Recall() != 0.5 {
		t.Fatalf("precision %.2f recall %.2f", ls.Precision(), ls.Recall())
	}
	far := Match(exp[2:], []Reported{{Type: proctor.Keystrokes, From: 31.5, To: 31.5}}, []proctor.ViolationType{proctor.Keystrokes})
	if far[proctor.Keystrokes].TP != 0 {
		t.Fatal("a report 6.5 s away matched")
	}
}

func TestFramesExpandGlobsAndRepeatFiles(t *testing.T) {
	media := fstest.MapFS{
		"still.jpg": {}, "seq/f1.jpg": {}, "seq/f2.jpg": {}, "seq/f3.jpg": {},
	}
	sc, err := Parse([]byte(`{"name":"x","duration":8,"fps":1,"video":[
		{"from":0,"to":3,"frames":"still.jpg","faces":1},
		{"from":4,"to":8,"frames":"seq/*.jpg"}],"events":[],"expect":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := sc.Frames(media)
	if err != nil {
		t.Fatal(err)
	}
	want := []Frame{{0, "still.jpg", 1}, {1, "still.jpg", 1}, {2, "still.jpg", 1}, {4, "seq/f1.jpg", -1}, {5, "seq/f2.jpg", -1}, {6, "seq/f3.jpg", -1}, {7, "seq/f1.jpg", -1}}
	if len(frames) != len(want) {
		t.Fatalf("frames = %v", frames)
	}
	for i := range want {
		if frames[i] != want[i] {
			t.Fatalf("frame %d = %v, want %v", i, frames[i], want[i])
		}
	}
	if _, err := (&Scenario{Name: "y", Duration: 1, FPS: 1, Video: []VideoSpan{{From: 0, To: 1, Frames: "none/*.jpg"}}}).Frames(media); err == nil {
		t.Fatal("a glob matching nothing was accepted")
	}
	for _, bad := range []string{`{"duration":0}`, `{"duration":5,"video":[{"from":3,"to":1,"frames":"a"}]}`, `{"duration":5,"events":[{"at":1,"kind":"warp"}]}`, `not json`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted", bad)
		}
	}
}
