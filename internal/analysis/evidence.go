package analysis

import (
	"sort"
	"time"

	"vigil/internal/proctor"
)

// maxFrameGap is how far the nearest webcam frame may be from a
// violation's start to stand as its snapshot: further away it would show
// another moment, not this one.
const maxFrameGap = 5 * time.Second

// attachFrames gives every violation that has no webcam frames of its own
// (keys, pages, apps, sounds) the frames around its span, so that every
// violation of every type carries the webcam at its start as evidence.
func attachFrames(vs []proctor.Violation, frames []proctor.FrameSignal) {
	for i := range vs {
		if len(vs[i].Snapshots()) > 0 {
			continue
		}
		if r, ok := spanFrames(frames, vs[i].Start, vs[i].End); ok {
			ev := evidence(frames, r)
			vs[i].FrameSeqs, vs[i].BeforeSeq, vs[i].AfterSeq = ev.FrameSeqs, ev.BeforeSeq, ev.AfterSeq
		}
	}
}

// spanFrames finds the frames of [start, end]: from the last frame at or
// before start (or the first after it, when none is before) to the last
// at or before end. Frames are in capture order.
func spanFrames(frames []proctor.FrameSignal, start, end time.Time) (run, bool) {
	after := sort.Search(len(frames), func(i int) bool { return frames[i].CapturedAt.After(start) })
	first := after - 1
	if first < 0 || start.Sub(frames[first].CapturedAt) > maxFrameGap {
		first = after // none close before: the first one after
	}
	if first >= len(frames) || absDur(frames[first].CapturedAt.Sub(start)) > maxFrameGap {
		return run{}, false
	}
	last := sort.Search(len(frames), func(i int) bool { return frames[i].CapturedAt.After(end) }) - 1
	return run{first: first, last: max(first, last)}, true
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
