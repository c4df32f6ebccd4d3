package fairness

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"time"

	"vigil/internal/analysis/face"
)

// Detector is what is measured: face.Detector and face.UltraFace satisfy it.
// Measure calls it from one goroutine.
type Detector interface {
	Detect(img image.Image) ([]face.Face, error)
}

// Named is a detector with the name its results are reported under.
type Named struct {
	Name     string
	Detector Detector
}

// Cell is a recall with its 95 % Wilson interval, as fractions.
type Cell struct {
	Found, Total   int
	Recall, Lo, Hi float64
}

func newCell(found, total int) Cell {
	c := Cell{Found: found, Total: total}
	if total > 0 {
		c.Recall = float64(found) / float64(total)
	}
	c.Lo, c.Hi = Wilson(found, total)
	return c
}

// Condition is one frame size and light, with its results.
type Condition struct {
	Width int // 640 or 320
	Light Light
	// Groups holds recall per group, All over every group.
	Groups [NumGroups]Cell
	All    Cell
	// Gap is the best group's recall minus the worst's, in points.
	Gap float64
	// StrayBoxes counts detections matching no face (also a second box on
	// the face), StrayFrames the frames with any.
	StrayBoxes, StrayFrames int
	// MeanDetect is the mean time of one Detect call.
	MeanDetect time.Duration
}

// Label names the condition, e.g. "640 dim".
func (c Condition) Label() string { return fmt.Sprintf("%d %s", c.Width, c.Light) }

// conditions are measured and reported in this order, the doc's columns.
var conditions = [...]struct {
	width int
	light Light
}{{640, Normal}, {320, Normal}, {640, Dim}, {320, Dim}}

// Outcome is a detector's answer on one frame.
type Outcome struct {
	Found bool        // a detection matches the face
	Faces []face.Face // everything it returned
}

// Still is a shared-media frame with a known face count.
type Still struct {
	Path  string
	Faces int
	Note  string
}

// NoFace sums up the detections on frames with nobody in them.
type NoFace struct {
	Frames int // frames measured
	Fired  int // frames with at least one detection
	Boxes  int // detections in all
	// Hits lists the frames that fired, with their best score.
	Hits []Hit
}

// Hit is a no-face frame on which a detector fired.
type Hit struct {
	Path  string // relative to the media folder
	Boxes int
	Score float32
}

// Result is one detector measured on a set.
type Result struct {
	Detector string
	Samples  int
	// Conditions: 640 normal, 320 normal, 640 dim, 320 dim.
	Conditions []Condition
	// NoFace: the media frames with nobody in them (none without a
	// media folder).
	NoFace NoFace
	// StillsExact counts the ground-truth stills of the media folder whose
	// face count the detector got exactly, of StillsTotal.
	StillsExact, StillsTotal int

	// Outcomes[c][i] is the answer on sample i under Conditions[c];
	// NoFaceFaces[j] and StillFaces[j] the answers on set.NoFace[j] and
	// set.Stills[j]. Compare reads them.
	Outcomes    [][]Outcome
	NoFaceFaces [][]face.Face
	StillFaces  [][]face.Face

	names  []string // per sample: the source file name
	groups []Group  // per sample
}

// Measure runs one detector on every frame of the set. See MeasureAll.
func Measure(ctx context.Context, set *Set, name string, det Detector) (Result, error) {
	rs, err := MeasureAll(ctx, set, []Named{{name, det}})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// MeasureAll runs every detector on every frame of the set: each face's
// frames are composed once and shown to all detectors in turn, then the
// no-face and ground-truth frames of the media folder. It stops early with
// ctx's error. A Detect error ends the measurement.
func MeasureAll(ctx context.Context, set *Set, dets []Named) ([]Result, error) {
	n := len(set.Samples)
	res := make([]Result, len(dets))
	times := make([][len(conditions)]time.Duration, len(dets))
	for d := range dets {
		res[d] = Result{Detector: dets[d].Name, Samples: n, Outcomes: make([][]Outcome, len(conditions))}
		for c := range conditions {
			res[d].Outcomes[c] = make([]Outcome, n)
		}
	}
	synth := NewSynth()
	for i, s := range set.Samples {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		img, err := decodeJPEG(s.Path)
		if err != nil {
			return nil, err
		}
		if err := synth.Compose(img, s.Layout); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		for c, cond := range conditions {
			frame, truth := synth.Frame(cond.width, cond.light)
			for d, det := range dets {
				t0 := time.Now()
				faces, err := det.Detector.Detect(frame)
				times[d][c] += time.Since(t0)
				if err != nil {
					return nil, fmt.Errorf("fairness: %s on %s (%s): %w", det.Name, s.Name, res[d].conditionName(c), err)
				}
				res[d].Outcomes[c][i] = Outcome{Found: anyMatches(faces, truth), Faces: faces}
			}
		}
	}
	for d := range res {
		res[d].summarise(set, times[d])
	}
	if err := measureMedia(ctx, set, dets, res); err != nil {
		return nil, err
	}
	return res, nil
}

func (r *Result) conditionName(c int) string {
	return fmt.Sprintf("%d %s", conditions[c].width, conditions[c].light)
}

func anyMatches(faces []face.Face, t Truth) bool {
	for _, f := range faces {
		if Matches(f, t) {
			return true
		}
	}
	return false
}

// stray counts the detections that are not the face: all that do not match
// it, and every match after the first.
func stray(faces []face.Face, found bool) int {
	if found {
		return len(faces) - 1
	}
	return len(faces)
}

func (r *Result) summarise(set *Set, times [len(conditions)]time.Duration) {
	r.Conditions = make([]Condition, len(conditions))
	r.names, r.groups = make([]string, len(set.Samples)), make([]Group, len(set.Samples))
	for i, s := range set.Samples {
		r.names[i], r.groups[i] = s.Name, s.Group
	}
	for c, cond := range conditions {
		var found, total [NumGroups]int
		cr := Condition{Width: cond.width, Light: cond.light}
		for i, o := range r.Outcomes[c] {
			g := set.Samples[i].Group
			total[g]++
			if o.Found {
				found[g]++
			}
			if k := stray(o.Faces, o.Found); k > 0 {
				cr.StrayBoxes += k
				cr.StrayFrames++
			}
		}
		cr.Groups, cr.All, cr.Gap = cells(found, total)
		if r.Samples > 0 {
			cr.MeanDetect = times[c] / time.Duration(r.Samples)
		}
		r.Conditions[c] = cr
	}
}

// cells turns per-group counts into recalls, the overall recall and the gap
// in points between the best and worst group that has any faces.
func cells(found, total [NumGroups]int) (groups [NumGroups]Cell, all Cell, gap float64) {
	var f, t int
	lo, hi := 1.0, 0.0
	for g := range NumGroups {
		groups[g] = newCell(found[g], total[g])
		f += found[g]
		t += total[g]
		if total[g] > 0 {
			lo = min(lo, groups[g].Recall)
			hi = max(hi, groups[g].Recall)
		}
	}
	all = newCell(f, t)
	if t > 0 {
		gap = 100 * (hi - lo)
	}
	return groups, all, gap
}

// measureMedia runs the detectors on the media folder's no-face frames and
// ground-truth stills.
func measureMedia(ctx context.Context, set *Set, dets []Named, res []Result) error {
	for d := range res {
		res[d].NoFace.Frames = len(set.NoFace)
		res[d].NoFaceFaces = make([][]face.Face, len(set.NoFace))
		res[d].StillsTotal = len(set.Stills)
		res[d].StillFaces = make([][]face.Face, len(set.Stills))
	}
	run := func(path string, each func(d int, faces []face.Face)) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := decodeJPEG(path)
		if err != nil {
			return err
		}
		for d, det := range dets {
			faces, err := det.Detector.Detect(img)
			if err != nil {
				return fmt.Errorf("fairness: %s on %s: %w", det.Name, path, err)
			}
			each(d, faces)
		}
		return nil
	}
	for j, p := range set.NoFace {
		err := run(p, func(d int, faces []face.Face) {
			res[d].NoFaceFaces[j] = faces
			if len(faces) == 0 {
				return
			}
			nf := &res[d].NoFace
			nf.Fired++
			nf.Boxes += len(faces)
			nf.Hits = append(nf.Hits, Hit{Path: set.relMedia(p), Boxes: len(faces), Score: bestScore(faces)})
		})
		if err != nil {
			return err
		}
	}
	for j, st := range set.Stills {
		err := run(st.Path, func(d int, faces []face.Face) {
			res[d].StillFaces[j] = faces
			if len(faces) == st.Faces {
				res[d].StillsExact++
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func bestScore(faces []face.Face) float32 {
	var s float32
	for _, f := range faces {
		s = max(s, f.Score)
	}
	return s
}

func (set *Set) relMedia(p string) string {
	if rel, err := filepath.Rel(set.Opts.MediaDir, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

func decodeJPEG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fairness: %w", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("fairness: decode %s: %w", path, err)
	}
	return img, nil
}
