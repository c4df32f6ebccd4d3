package analysis

import (
	"math"
	"slices"

	"vigil/internal/proctor"
)

// Live people. A face on a poster, in a photo on the wall or on a second
// screen showing a still picture does not change from one second to the
// next; a person's face does (they breathe, blink, shift — measured on real
// webcam takes, docs/DETECTION.md "Live people"). So a face that stays
// still at one place while another face in the same frames is seen to move
// is a picture: it is not a second person, and once known at its place it
// is not the student either when the student leaves.
//
// The comparison is relative on purpose. Frames that repeat one JPEG (the
// shared scenarios' stills, a frozen camera) show no face changing at all;
// with no live face to compare with, nothing is taken for a picture.
const (
	// stillChange: a face whose change (FaceBox.Change, in multiples of
	// the frame's noise, motion.Noise) stays under this, as the median over
	// stillFrames frames, is still: it moved no more than the room. Cells
	// that carry only noise read about 2.5; the wall of a real take held in
	// the hand 1.4–5 as a median of five, the student's face 4.4–8 as a
	// median of three (docs/DETECTION.md "Live people").
	stillChange = 3.5
	stillFrames = 5
	// liveChange: a face whose median change over liveFrames frames reaches
	// this is live.
	liveChange = 5
	liveFrames = 3
	// trackGap is how many frames a face may go unseen and keep its place.
	trackGap = 3
)

// faceTrack is one face followed at one place across frames.
type faceTrack struct {
	box     proctor.FaceBox
	last    int       // the last frame index it was seen in
	changes []float64 // every known change, in order
	at      [][2]int  // (frame, box) where it was seen
	picture bool      // seen still beside a live face
}

// recent is the median of the last n known changes, and whether there are n.
func (t *faceTrack) recent(n int) (float64, bool) {
	if len(t.changes) < n {
		return 0, false
	}
	return median(slices.Clone(t.changes[len(t.changes)-n:])), true
}

func (t *faceTrack) still() bool {
	m, ok := t.recent(stillFrames)
	return ok && m < stillChange
}

func (t *faceTrack) live() bool {
	m, ok := t.recent(liveFrames)
	return ok && m >= liveChange
}

// samePlace: the box of a face that stayed where it was (moved by less than
// half its width, height within 40 %).
func samePlace(a, b proctor.FaceBox) bool {
	return !jumped(a, b)
}

// pictures marks, per frame and box, the faces that are pictures.
func pictures(frames []proctor.FrameSignal) [][]bool {
	out := make([][]bool, len(frames))
	var tracks []*faceTrack
	for i := range frames {
		f := &frames[i]
		if !f.OK || len(f.Boxes) == 0 {
			continue
		}
		out[i] = make([]bool, len(f.Boxes))
		seen := make([]*faceTrack, len(f.Boxes))
		for j, b := range f.Boxes {
			var best *faceTrack
			bestDist := math.Inf(1)
			for _, t := range tracks {
				if i-t.last > trackGap || t.last == i || !samePlace(t.box, b) {
					continue
				}
				if d := math.Hypot(float64(t.box.X-b.X), float64(t.box.Y-b.Y)); d < bestDist {
					best, bestDist = t, d
				}
			}
			if best == nil {
				best = &faceTrack{}
				tracks = append(tracks, best)
			}
			best.box, best.last = b, i
			best.at = append(best.at, [2]int{i, j})
			if b.Change != nil {
				best.changes = append(best.changes, float64(*b.Change))
			}
			seen[j] = best
		}
		for j, t := range seen {
			if t.picture || !t.still() {
				continue
			}
			for k, o := range seen {
				if k != j && o != t && o.live() {
					t.picture = true
					break
				}
			}
		}
	}
	for _, t := range tracks {
		if !t.picture {
			continue
		}
		for _, p := range t.at {
			c := frames[p[0]].Boxes[p[1]].Change
			out[p[0]][p[1]] = c == nil || float64(*c) < liveChange
		}
	}
	return out
}

// liveFaces is how many of frame i's faces are not pictures.
func liveFaces(frames []proctor.FrameSignal, pics [][]bool, i int) int {
	n := frames[i].Faces
	for _, p := range pics[i] {
		if p {
			n--
		}
	}
	return max(0, n)
}

// picturesIn counts the frames of a run that showed a face judged a picture.
func picturesIn(pics [][]bool, r run) int {
	n := 0
	for i := r.first; i <= r.last; i++ {
		if slices.Contains(pics[i], true) {
			n++
		}
	}
	return n
}

// LiveFaces is, for every frame, how many of its faces the rules count as
// people (pictures of faces left out); −1 for a frame not analysed.
func LiveFaces(frames []proctor.FrameSignal) []int {
	pics := pictures(frames)
	out := make([]int, len(frames))
	for i := range frames {
		if !frames[i].OK {
			out[i] = -1
			continue
		}
		out[i] = liveFaces(frames, pics, i)
	}
	return out
}
