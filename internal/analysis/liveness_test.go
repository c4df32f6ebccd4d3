package analysis

import (
	"strings"
	"testing"

	"vigil/internal/proctor"
)

// scene builds one frame per second from a script: 'S' the student (a face
// that changes) beside a poster (a face that does not), 'P' the poster
// alone, 's' the student alone, 'T' two still faces (a repeated JPEG of two
// people), 'L' the student beside a second live person.
func scene(script string) []proctor.FrameSignal {
	ch := func(v float32) *float32 { return &v }
	student := func(i int) proctor.FaceBox {
		return proctor.FaceBox{X: 120 + float32(i%3), Y: 70, W: 80, H: 100, Score: 0.9, Change: ch(5 + 2*float32(i%4))}
	}
	poster := proctor.FaceBox{X: 250, Y: 20, W: 40, H: 50, Score: 0.8, Change: ch(2.4)}
	other := func(i int) proctor.FaceBox {
		return proctor.FaceBox{X: 20, Y: 60, W: 70, H: 90, Score: 0.85, Change: ch(6 + 3*float32(i%3))}
	}
	var out []proctor.FrameSignal
	for i, c := range script {
		sig := proctor.FrameSignal{Seq: int64(i), CapturedAt: at(float64(i)), OK: true, MeanLuma: 120}
		switch c {
		case 'S':
			sig.Boxes = []proctor.FaceBox{student(i), poster}
		case 'P':
			sig.Boxes = []proctor.FaceBox{poster}
		case 's':
			sig.Boxes = []proctor.FaceBox{student(i)}
		case 'T':
			still := student(0)
			still.Change = ch(0)
			p := poster
			p.Change = ch(0)
			sig.Boxes = []proctor.FaceBox{still, p}
		case 'L':
			sig.Boxes = []proctor.FaceBox{student(i), other(i)}
		}
		if i == 0 {
			for j := range sig.Boxes {
				sig.Boxes[j].Change = nil // nothing to compare the first frame with
			}
		}
		sig.Faces = len(sig.Boxes)
		out = append(out, sig)
	}
	return out
}

func TestPosterIsNotASecondPerson(t *testing.T) {
	// A poster beside the student all along: nobody else is there.
	check(t, decide(t, scene(strings.Repeat("S", 40)), nil, nil))
	// A second live person beside the student is.
	check(t, decide(t, scene(strings.Repeat("s", 10)+strings.Repeat("L", 10)+strings.Repeat("s", 10)), nil, nil),
		want{proctor.MultiplePeople, 10, 20, true, ""})
}

func TestPosterAloneIsNotTheStudent(t *testing.T) {
	got := decide(t, scene(strings.Repeat("S", 20)+strings.Repeat("P", 15)+strings.Repeat("S", 10)), nil, nil)
	check(t, got, want{proctor.LeftSession, 20, 35, true, proctor.CauseNoFace})
	if !strings.Contains(got[0].Reason, "picture of a face") || !strings.Contains(got[0].Detail, "15 of 15 frames") {
		t.Errorf("reason %q, detail %q", got[0].Reason, got[0].Detail)
	}
}

// Two faces that never change (one JPEG repeated, a frozen camera): with
// no live face to compare with, neither is taken for a picture.
func TestStillFramesAreNotJudged(t *testing.T) {
	check(t, decide(t, scene(strings.Repeat("T", 20)), nil, nil), want{proctor.MultiplePeople, 0, 20, true, ""})
	// A poster never seen beside a live face stays a face.
	check(t, decide(t, scene(strings.Repeat("P", 20)), nil, nil))
}
