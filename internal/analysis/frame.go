// Package analysis turns captured media into signals (detectors) and signals
// into violations (rules). It does no I/O: callers hand it bytes and stored
// signals, and store what it returns. Rules are pure functions of signals and
// settings, so changing an exam's settings re-decides without re-detecting.
package analysis

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"image"
	"image/jpeg"
	"time"

	"vigil/internal/analysis/face"
	"vigil/internal/analysis/gaze"
	"vigil/internal/analysis/headpose"
	"vigil/internal/analysis/motion"
	"vigil/internal/proctor"
)

// Detector finds faces in an image; *face.Pool is one, safe for concurrent use.
type Detector interface {
	Detect(ctx context.Context, img image.Image) ([]face.Face, error)
}

// PoseEstimator reads a face's head pose; *headpose.Pool is one, safe for
// concurrent use.
type PoseEstimator interface {
	Estimate(ctx context.Context, img image.Image, f face.Face) (headpose.Angles, error)
}

// Image size limits for anything a client uploads.
const (
	MinImageSide = 16
	MaxImageSide = 4096
)

// CheckJPEG reads a JPEG's header and returns its size, refusing data that
// is not a JPEG or whose dimensions no webcam produces. It does not decode
// the pixels, so it is cheap enough for the upload path.
func CheckJPEG(data []byte) (width, height int, err error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF {
		return 0, 0, fmt.Errorf("not a JPEG (no JPEG start marker)")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, fmt.Errorf("not a readable JPEG: %v", err)
	}
	if cfg.Width < MinImageSide || cfg.Height < MinImageSide || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return 0, 0, fmt.Errorf("JPEG of %dx%d pixels: sides must be %d to %d", cfg.Width, cfg.Height, MinImageSide, MaxImageSide)
	}
	return cfg.Width, cfg.Height, nil
}

// DecodeJPEG checks and decodes a JPEG.
func DecodeJPEG(data []byte) (image.Image, error) {
	if _, _, err := CheckJPEG(data); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt JPEG: %v", err)
	}
	return img, nil
}

// Frames analyses one session's webcam frames, in order.
type Frames struct {
	Faces Detector
	// Landmarks re-detects a single face on a crop around it (a detector
	// with a small square input, RefineInput): landmarks from a face that
	// fills the network's input are precise enough to read the pupils,
	// which a whole 320x240 frame is not, at a fifth of the cost of running
	// the detector on the frame at 640x480. Nil: no pose.
	Landmarks Detector
	// SecondOpinion (UltraFace) looks again at frames where the face
	// detector found nobody, so a face it misses in dim light is not taken
	// for an absence. It never overrules a face found (that costs recall:
	// internal/fairness/RESULTS.md). Nil: no second opinion.
	SecondOpinion Detector
	// Identity compares the face with the student's onboarding photo on
	// sampled frames, when the Tracker holds a usable reference. Nil: no
	// identity checks.
	Identity *Identity
	// Head reads the head pose (yaw, pitch, roll in degrees) of a frame's
	// only face, for Facial Suspicion; a frame whose face detection was
	// reused (the picture did not change) reuses the last pose too. Nil: no
	// head pose.
	Head PoseEstimator
	// FullEveryN makes every Nth frame run the face detector even when the
	// picture did not change (0: the default, 3). 1 disables reuse: the
	// baseline "full detectors on every frame".
	FullEveryN int
	// Stages, when set, accumulates where the time goes (benchmarks). It is
	// not safe for concurrent use.
	Stages *Stages
}

// Stages counts frames through each stage of the frame analysis and the
// time spent there.
type Stages struct {
	Frames, Detected, Reused, Refined, SecondOpinions, Identified, Posed int
	Decode, Thumb, Detect, Refine, Second, Identity, Pose, Rest          time.Duration
	// CPU, when set, reads the CPU time the calling thread has used (a
	// benchmark locks its goroutine to a thread); the identity checks'
	// CPU time then adds up in IdentityCPU, unlike their wall time not
	// inflated by other processes on a shared machine.
	CPU         func() time.Duration
	IdentityCPU time.Duration
}

// lap adds the time since *t to a stage's total and moves *t on; count
// adds one to a counter. Both do nothing without Stages.
func (a *Frames) lap(stage func(*Stages) *time.Duration, t *time.Time) {
	if a.Stages != nil {
		now := time.Now()
		*stage(a.Stages) += now.Sub(*t)
		*t = now
	}
}

func (a *Frames) count(counter func(*Stages) *int) {
	if a.Stages != nil {
		*counter(a.Stages)++
	}
}

// Tracker is what the analysis of a session carries from one frame to the
// next. It is saved between job runs (Encode / DecodeTracker).
type Tracker struct {
	Prev      motion.Thumb
	HasPrev   bool
	PrevW     int
	PrevH     int
	Faces     []face.Face // the last detection
	SinceFull int         // frames since the detector last ran
	// Identity is the reference the faces are compared with and when
	// they were last compared; the caller sets Identity.Ref (SetReference).
	Identity IdentityState
	// Head is the last head pose read, reused with the detection.
	Head *proctor.HeadPose
}

// SetReference sets the onboarding photo the session's faces are compared
// with; a different photo (the student onboarded again) restarts the
// sampling.
func (tr *Tracker) SetReference(ref Reference) {
	if tr.Identity.Ref.PhotoID != ref.PhotoID {
		tr.Identity = IdentityState{Ref: ref}
	}
}

// reuseMaxChange is the share of thumbnail cells that may change for a
// frame to count as "the same picture" and reuse the last detection. A face
// appearing anywhere changes far more cells than this; a student reading,
// with small movements of the head and hands, changes about as much.
const reuseMaxChange = 0.03

// Analyze runs the frame detectors over the next frame of the session. A
// frame that cannot be decoded yields a signal with OK false and the reason;
// the session's analysis goes on.
func (a *Frames) Analyze(ctx context.Context, tr *Tracker, f *proctor.Frame, data []byte) (proctor.FrameSignal, error) {
	sig := proctor.FrameSignal{SessionID: f.SessionID, Seq: f.Seq, CapturedAt: f.CapturedAt, Motion: -1}
	t := time.Now()
	img, err := DecodeJPEG(data)
	a.lap(func(s *Stages) *time.Duration { return &s.Decode }, &t)
	if err != nil {
		sig.Error = err.Error()
		return sig, nil
	}
	var cur motion.Thumb
	motion.Make(img, &cur)
	a.lap(func(s *Stages) *time.Duration { return &s.Thumb }, &t)
	faces, reused, err := a.faces(ctx, tr, img, &cur)
	t = time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return sig, ctx.Err() // shutting down: retry later, record nothing
		}
		sig.Error = "face detection failed: " + err.Error()
		return sig, nil
	}
	sig.OK, sig.Reused, sig.Faces = true, reused, len(faces)
	sig.MeanLuma = face.MeanLuma(img)
	for _, fc := range faces {
		sig.Boxes = append(sig.Boxes, proctor.FaceBox{X: fc.X, Y: fc.Y, W: fc.W, H: fc.H, Score: fc.Score})
	}
	if tr.HasPrev && sameSize(tr, img) {
		sig.Motion = float64(motion.Changed(&tr.Prev, &cur, personRegions(img, tr.Faces, faces)...))
		boxChanges(&tr.Prev, &cur, img, sig.Boxes)
	}
	a.lap(func(s *Stages) *time.Duration { return &s.Rest }, &t)
	one := face.Face{}
	if len(faces) == 1 {
		one = faces[0]
		if a.Landmarks != nil {
			one = a.pose(ctx, img, faces[0], &sig)
			a.lap(func(s *Stages) *time.Duration { return &s.Refine }, &t)
		}
	}
	if a.Identity != nil && tr.Identity.Ref.Usable() {
		if len(faces) == 1 {
			a.checkFrame(ctx, tr, img, one, &sig, faceJumped(tr.Faces, faces))
		}
		trackPresence(&tr.Identity, len(faces), sig.CapturedAt)
	}
	a.headPose(ctx, tr, img, faces, &sig)
	a.lap(func(s *Stages) *time.Duration { return &s.Pose }, &t)
	tr.Prev, tr.HasPrev, tr.PrevW, tr.PrevH, tr.Faces = cur, true, img.Bounds().Dx(), img.Bounds().Dy(), faces
	a.count(func(s *Stages) *int { return &s.Frames })
	return sig, nil
}

// RefineInput is the side of the square network input Landmarks should
// use. Measured on the shared eye-movement frames (docs/DETECTION.md): 192
// separates glances left and right from looking at the screen as well as a
// full 640x480 detection, in 1.5 ms instead of 8.
const RefineInput = 192

// refineCrop is the side of the crop around a face, in face sizes.
const refineCrop = 2

// pose reads head yaw and gaze from landmarks re-detected on a crop around
// the face, on every frame: reusing the last landmarks when the picture has
// barely changed was measured to shift the pupil offsets by a pixel or two,
// enough for false glances (docs/DETECTION.md), so only the detection is
// reused, never the landmarks. It returns the face with the precise
// landmarks (f itself when the crop found none).
func (a *Frames) pose(ctx context.Context, img image.Image, f face.Face, sig *proctor.FrameSignal) face.Face {
	refined, ok := refineFace(ctx, a.Landmarks, img, f)
	if !ok {
		return f
	}
	a.count(func(s *Stages) *int { return &s.Refined })
	p := gaze.Estimate(img, refined)
	sig.PoseOK, sig.Yaw, sig.GazeX, sig.GazeY = p.OK && p.Pupils > 0, float64(p.Yaw), float64(p.GazeX), float64(p.GazeY)
	return refined
}

// headPose reads the head pose of the only face with the pose model, only
// when the picture changed: a reused detection (the frame barely differs
// from the one before) reuses the pose read with it. A pose that cannot be
// read leaves Head nil; the analysis goes on.
func (a *Frames) headPose(ctx context.Context, tr *Tracker, img image.Image, faces []face.Face, sig *proctor.FrameSignal) {
	if len(faces) != 1 || a.Head == nil {
		tr.Head = nil
		return
	}
	if !sig.Reused || tr.Head == nil {
		tr.Head = nil
		ang, err := a.Head.Estimate(ctx, img, faces[0])
		if err != nil {
			return
		}
		tr.Head = &proctor.HeadPose{Yaw: ang.Yaw, Pitch: ang.Pitch, Roll: ang.Roll}
		a.count(func(s *Stages) *int { return &s.Posed })
	}
	h := *tr.Head
	sig.Boxes[0].Head = &h
}

// refineFace re-detects a face on a crop around it with det (a detector
// with a small square input): nil det, an image that cannot be cropped or
// no face on the crop report false.
func refineFace(ctx context.Context, det Detector, img image.Image, f face.Face) (face.Face, bool) {
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if det == nil || !ok {
		return face.Face{}, false
	}
	cx, cy, side := f.X+f.W/2, f.Y+f.H/2, refineCrop*max(f.W, f.H)
	crop := image.Rect(int(cx-side/2), int(cy-side/2), int(cx+side/2), int(cy+side/2)).Intersect(img.Bounds())
	found, err := det.Detect(ctx, sub.SubImage(crop))
	if err != nil || len(found) == 0 {
		return face.Face{}, false
	}
	return found[0], true
}

// faces runs the detector, or reuses the last detection when the picture is
// the same as the previous frame's and the detector ran recently.
func (a *Frames) faces(ctx context.Context, tr *Tracker, img image.Image, cur *motion.Thumb) ([]face.Face, bool, error) {
	every := a.FullEveryN
	if every == 0 {
		every = 3
	}
	if tr.HasPrev && sameSize(tr, img) && tr.SinceFull+1 < every {
		if c := motion.Changed(&tr.Prev, cur); c >= 0 && c < reuseMaxChange {
			tr.SinceFull++
			a.count(func(s *Stages) *int { return &s.Reused })
			return tr.Faces, true, nil
		}
	}
	t := time.Now()
	faces, err := a.Faces.Detect(ctx, img)
	tr.SinceFull = 0
	a.count(func(s *Stages) *int { return &s.Detected })
	a.lap(func(s *Stages) *time.Duration { return &s.Detect }, &t)
	if err == nil && len(faces) == 0 && a.SecondOpinion != nil && !cur.Flat {
		faces, err = a.SecondOpinion.Detect(ctx, img)
		a.count(func(s *Stages) *int { return &s.SecondOpinions })
		a.lap(func(s *Stages) *time.Duration { return &s.Second }, &t)
	}
	return faces, false, err
}

func sameSize(tr *Tracker, img image.Image) bool {
	return tr.PrevW == img.Bounds().Dx() && tr.PrevH == img.Bounds().Dy()
}

// minNoise is the least camera noise a box's change is measured against:
// two identical frames have none, and a ratio to nothing means nothing.
const minNoise = 0.002

// boxChanges records how much the picture changed inside each face's box
// since the previous frame, in multiples of the frame's own noise (the
// still room's change, motion.Noise): what tells a live face from a
// picture of one, whatever the camera's noise.
func boxChanges(prev, cur *motion.Thumb, img image.Image, boxes []proctor.FaceBox) {
	if len(boxes) == 0 {
		return
	}
	noise := motion.Noise(prev, cur)
	if noise < 0 {
		return
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	for i := range boxes {
		b := &boxes[i]
		if c := motion.Within(prev, cur, motion.BoxRegion(b.X-float32(img.Bounds().Min.X), b.Y-float32(img.Bounds().Min.Y), b.W, b.H, w, h)); c >= 0 {
			r := c / max(noise, minNoise)
			b.Change = &r
		}
	}
}

// personRegions are the parts of the frame the students themselves move in,
// before and after: left out of Background Motion.
func personRegions(img image.Image, before, after []face.Face) []motion.Region {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var out []motion.Region
	for _, set := range [][]face.Face{before, after} {
		for _, f := range set {
			out = append(out, motion.PersonRegion(f.X, f.Y, f.W, f.H, w, h))
		}
	}
	return out
}

// Encode serialises the tracker for storage between job runs.
func (tr *Tracker) Encode() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(tr)
	return buf.Bytes(), err
}

// DecodeTracker reads a tracker saved by Encode; empty data is a new one.
func DecodeTracker(data []byte) (*Tracker, error) {
	tr := &Tracker{}
	if len(data) == 0 {
		return tr, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(tr); err != nil {
		return &Tracker{}, fmt.Errorf("analysis: tracker state: %w", err)
	}
	return tr, nil
}
