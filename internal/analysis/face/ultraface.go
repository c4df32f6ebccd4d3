package face

import (
	_ "embed"
	"errors"
	"fmt"
	"image"
	"slices"

	ort "github.com/yalue/onnxruntime_go"

	"vigil/internal/onnxrt"
)

// UltraFace RFB-320 (MIT, see ultraface/SOURCES.md) is a second face
// detector: boxes only, no landmarks, a fixed 320x240 input. It was
// measured to find faces of every group equally well in normal light and
// with a 2-point gap in dim light, and it errs differently from YuNet, so
// it serves as a second opinion on a frame, not as the primary detector.
//
//go:embed ultraface/version-RFB-320.onnx
var ultraFaceModel []byte

// UltraFace constants, from the model's export (shared models README).
const (
	// DefaultUltraFaceThreshold is the face score kept when NewUltraFace
	// is given 0.
	DefaultUltraFaceThreshold = 0.7

	ultraW, ultraH = 320, 240
	// ultraAnchors is the number of prior boxes the model scores; the
	// priors are decoded inside the model file.
	ultraAnchors = 4420
	// ultraCandidates is how many of the highest-scoring boxes enter NMS
	// (the reference implementation's candidate_size).
	ultraCandidates = 200
	// ultraMean and ultraScale normalise a channel: (x - 127) / 128.
	ultraMean  = 127
	ultraScale = 1.0 / 128
)

// UltraFace runs the UltraFace RFB-320 model on one frame at a time. It owns
// an ONNX Runtime session and preallocated tensors, so it is NOT safe for
// concurrent use.
type UltraFace struct {
	threshold float32

	session *ort.AdvancedSession
	input   *ort.Tensor[float32] // [1,3,240,320], R,G,B planes, (x-127)/128
	scores  *ort.Tensor[float32] // [1,4420,2], softmaxed; column 1 is "face"
	boxes   *ort.Tensor[float32] // [1,4420,4], x0,y0,x1,y1 in 0..1

	resize resampler
	cands  []Face // reused between calls, in input-relative coordinates (0..1)
}

// NewUltraFace creates an UltraFace detector with its own ONNX Runtime
// session. A threshold of 0 means DefaultUltraFaceThreshold. onnxrt.Init
// must have been called.
func NewUltraFace(threshold float32) (*UltraFace, error) {
	if threshold == 0 {
		threshold = DefaultUltraFaceThreshold
	}
	if !(threshold > 0 && threshold <= 1) {
		return nil, fmt.Errorf("face: UltraFace threshold %v outside (0, 1]", threshold)
	}
	u := &UltraFace{threshold: threshold}
	if err := u.open(); err != nil {
		u.Close()
		return nil, err
	}
	return u, nil
}

func (u *UltraFace) open() error {
	var err error
	if u.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, ultraH, ultraW)); err != nil {
		return fmt.Errorf("face: UltraFace input tensor: %w", err)
	}
	if u.scores, err = ort.NewEmptyTensor[float32](ort.NewShape(1, ultraAnchors, 2)); err != nil {
		return fmt.Errorf("face: UltraFace scores tensor: %w", err)
	}
	if u.boxes, err = ort.NewEmptyTensor[float32](ort.NewShape(1, ultraAnchors, 4)); err != nil {
		return fmt.Errorf("face: UltraFace boxes tensor: %w", err)
	}
	so, err := onnxrt.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	// The export lists its weights among the graph inputs, for which ONNX
	// Runtime logs one harmless warning per weight at every session start.
	if err := so.SetLogSeverityLevel(ort.LoggingLevelError); err != nil {
		return fmt.Errorf("face: UltraFace session log level: %w", err)
	}
	u.session, err = ort.NewAdvancedSessionWithONNXData(ultraFaceModel,
		[]string{"input"}, []string{"scores", "boxes"},
		[]ort.Value{u.input}, []ort.Value{u.scores, u.boxes}, so)
	if err != nil {
		return fmt.Errorf("face: create UltraFace session (did you call onnxrt.Init?): %w", err)
	}
	return nil
}

// Detect returns the faces in img, highest score first, or nil if there
// are none. Boxes are in the coordinates of img (its Bounds().Min is
// honoured) and clamped to it; Landmarks are left zero, as the model has
// none. The returned slice is the caller's.
func (u *UltraFace) Detect(img image.Image) ([]Face, error) {
	if u.session == nil {
		return nil, errors.New("face: UltraFace detector is closed")
	}
	if err := checkImage(img); err != nil {
		return nil, err
	}
	data := u.input.GetData()
	// The shared resampler writes B,G,R planes of raw 0..255 values; the
	// model wants R,G,B normalised, which one in-place pass fixes.
	u.resize.fill(img, data, ultraW, ultraH, ultraW, ultraH)
	toUltraFaceInput(data)
	if err := u.session.Run(); err != nil {
		return nil, fmt.Errorf("face: run UltraFace: %w", err)
	}
	u.cands = u.decode(u.cands[:0])
	u.cands = nms(u.cands, nmsIoU)
	return ultraToFrame(u.cands, img.Bounds()), nil
}

// toUltraFaceInput turns B,G,R planes of 0..255 values into R,G,B planes of
// (x - 127) / 128, in place.
func toUltraFaceInput(data []float32) {
	const plane = ultraW * ultraH
	p0, p1, p2 := data[:plane], data[plane:2*plane], data[2*plane:3*plane]
	for i := range p0 {
		b, r := p0[i], p2[i]
		p0[i] = (r - ultraMean) * ultraScale
		p1[i] = (p1[i] - ultraMean) * ultraScale
		p2[i] = (b - ultraMean) * ultraScale
	}
}

// decode appends every prior scoring at least the threshold, keeping only
// the ultraCandidates highest, with boxes in relative (0..1) coordinates.
func (u *UltraFace) decode(dst []Face) []Face {
	scores, boxes := u.scores.GetData(), u.boxes.GetData()
	for i := range ultraAnchors {
		s := scores[2*i+1]
		if s < u.threshold {
			continue
		}
		b := boxes[4*i : 4*i+4 : 4*i+4]
		dst = append(dst, Face{X: b[0], Y: b[1], W: b[2] - b[0], H: b[3] - b[1], Score: s})
	}
	if len(dst) > ultraCandidates {
		slices.SortFunc(dst, byScoreDesc)
		dst = dst[:ultraCandidates]
	}
	return dst
}

func byScoreDesc(a, b Face) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return 0
}

// ultraToFrame scales the kept boxes from relative to image coordinates,
// clamps them and copies them out. NMS ran on relative boxes; IoU does not
// change under the axis-aligned scaling, so the kept set is the same.
func ultraToFrame(cands []Face, b image.Rectangle) []Face {
	if len(cands) == 0 {
		return nil
	}
	sx, sy := float32(b.Dx()), float32(b.Dy())
	out := make([]Face, 0, len(cands)) // one allocation: the caller keeps it
	for _, f := range cands {
		f = Face{
			X: f.X*sx + float32(b.Min.X), Y: f.Y*sy + float32(b.Min.Y),
			W: f.W * sx, H: f.H * sy, Score: f.Score,
		}
		var ok bool
		if f, ok = clampBox(f, b); ok {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Close releases the session and tensors. It is safe to call twice.
func (u *UltraFace) Close() error {
	if u.session != nil {
		u.session.Destroy()
		u.session = nil
	}
	for _, t := range []**ort.Tensor[float32]{&u.input, &u.scores, &u.boxes} {
		if *t != nil {
			(*t).Destroy()
			*t = nil
		}
	}
	return nil
}
