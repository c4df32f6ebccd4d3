package live

import (
	"reflect"
	"testing"
	"time"

	"vigil/internal/proctor"
)

// TestFrameFlags: a flag where the webcam's view changes, once per
// change, from the frame before the batch on.
func TestFrameFlags(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	frames := func(faces ...int) []proctor.FrameSignal {
		var out []proctor.FrameSignal
		for i, n := range faces {
			out = append(out, proctor.FrameSignal{Seq: int64(i), OK: true, Faces: n, CapturedAt: t0.Add(time.Duration(i) * time.Second)})
		}
		return out
	}
	type want struct {
		typ proctor.ViolationType
		sec int
	}
	unreadable := frames(1, 0, 0)
	unreadable[1].OK = false // not analysed: says nothing of the view
	different := frames(1, 1, 1)
	different[2].Identity = proctor.MatchDifferent
	for _, c := range []struct {
		name      string
		prevFaces int
		hadPrev   bool
		sigs      []proctor.FrameSignal
		want      []want
	}{
		{"one face throughout: nothing", 1, true, frames(1, 1, 1), nil},
		{"the student leaves for three frames: one flag", 1, true, frames(1, 0, 0, 0, 1), []want{{proctor.LeftSession, 1}}},
		{"still away from the batch before: no new flag", 0, true, frames(0, 0, 1), nil},
		{"the first frame of the session is empty", 0, false, frames(0, 1), []want{{proctor.LeftSession, 0}}},
		{"a second face comes and stays: one flag", 1, true, frames(1, 2, 2, 3, 1), []want{{proctor.MultiplePeople, 1}}},
		{"two faces already before the batch", 2, true, frames(2, 2), nil},
		{"empty, then two faces", 1, true, frames(0, 2), []want{{proctor.LeftSession, 0}, {proctor.MultiplePeople, 1}}},
		{"an unreadable frame is skipped", 1, true, unreadable, []want{{proctor.LeftSession, 2}}},
		{"a sampled face of someone else", 1, true, different, []want{{proctor.DifferentPerson, 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []want
			for _, f := range FrameFlags(c.prevFaces, c.hadPrev, c.sigs) {
				if f.Label != f.Type.Label() || f.Text == "" {
					t.Errorf("flag %+v lacks its words", f)
				}
				got = append(got, want{f.Type, int(f.At.Sub(t0) / time.Second)})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("flags %v, want %v", got, c.want)
			}
		})
	}
}
