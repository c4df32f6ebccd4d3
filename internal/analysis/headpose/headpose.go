// Package headpose estimates the head's yaw, pitch and roll, in degrees, from
// one face: the face box a detector found (package face) and the frame. It
// runs 3DDFA_V2's MobileNet ×0.5 (MIT, model/SOURCES.md) through ONNX
// Runtime: the network fits a 3D face model to a 120x120 crop, and the pose
// is read from the fitted camera matrix.
//
// Signs, in the picture as the camera delivers it (a mirrored preview flips
// yaw and roll): yaw > 0 when the nose points towards the image's left (the
// student turns to their own right), pitch > 0 when the nose points down,
// roll > 0 when the face is turned counter-clockwise in the picture.
//
// onnxrt.Init must be called once before NewEstimator or NewPool.
package headpose

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"math"

	ort "github.com/yalue/onnxruntime_go"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

//go:embed model/3ddfa_mb05_120x120.onnx
var model []byte

// The network's input and output (headpose/SOURCES.md).
const (
	// Side is the side of the square network input, in pixels.
	Side    = 120
	outputs = 62
	// inputMean and inputScale normalise a channel: (x − 127.5) / 128.
	inputMean  = 127.5
	inputScale = 1.0 / 128
)

// Angles is a head pose in degrees (signs in the package comment).
type Angles struct {
	Yaw, Pitch, Roll float64
}

// Estimator runs the pose network on one face at a time. It owns an ONNX
// Runtime session and preallocated tensors, so it is NOT safe for
// concurrent use; a Pool serves several goroutines.
type Estimator struct {
	session *ort.AdvancedSession
	input   *ort.Tensor[float32] // [1,3,120,120], B,G,R planes, normalised
	output  *ort.Tensor[float32] // [1,62]
	crop    cropper
}

// NewEstimator creates an estimator with its own ONNX Runtime session.
func NewEstimator() (*Estimator, error) {
	e := &Estimator{}
	if err := e.open(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Estimator) open() error {
	var err error
	if e.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, Side, Side)); err != nil {
		return fmt.Errorf("headpose: input tensor: %w", err)
	}
	if e.output, err = ort.NewEmptyTensor[float32](ort.NewShape(1, outputs)); err != nil {
		return fmt.Errorf("headpose: output tensor: %w", err)
	}
	so, err := onnxrt.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	e.session, err = ort.NewAdvancedSessionWithONNXData(model, []string{"input"}, []string{"output"},
		[]ort.Value{e.input}, []ort.Value{e.output}, so)
	if err != nil {
		return fmt.Errorf("headpose: create session (did you call onnxrt.Init?): %w", err)
	}
	return nil
}

// ErrNoFace is returned for a face box with no area or outside the image.
var ErrNoFace = errors.New("headpose: empty face box")

// Estimate returns the head pose of the face whose box is f (in img's
// coordinates, as face.Detector returns it).
func (e *Estimator) Estimate(img image.Image, f face.Face) (Angles, error) {
	if e.session == nil {
		return Angles{}, errors.New("headpose: estimator is closed")
	}
	roi, ok := Crop(f)
	if !ok || img == nil || !roi.Overlaps(img.Bounds()) {
		return Angles{}, ErrNoFace
	}
	e.crop.fill(img, roi, e.input.GetData())
	if err := e.session.Run(); err != nil {
		return Angles{}, fmt.Errorf("headpose: run: %w", err)
	}
	var p [12]float64
	for i, v := range e.output.GetData()[:12] {
		p[i] = float64(v)
	}
	a, ok := FromCamera(p)
	if !ok {
		return Angles{}, errors.New("headpose: degenerate camera matrix")
	}
	return a, nil
}

// Close releases the session and tensors. It is safe to call twice.
func (e *Estimator) Close() error {
	if e.session != nil {
		e.session.Destroy()
		e.session = nil
	}
	for _, t := range []**ort.Tensor[float32]{&e.input, &e.output} {
		if *t != nil {
			(*t).Destroy()
			*t = nil
		}
	}
	return nil
}

// Crop is the square region the network reads for a face box, as 3DDFA_V2
// crops around a detector's box: 1.58 face sizes across, its centre shifted
// down by 0.14 face sizes (the box covers brows to chin; the fitted model
// wants the whole head). It may reach outside the image; what lies outside
// reads as black. ok is false for an empty or non-finite box.
func Crop(f face.Face) (image.Rectangle, bool) {
	l, t, r, b := float64(f.X), float64(f.Y), float64(f.X+f.W), float64(f.Y+f.H)
	if !(r > l && b > t) || math.IsInf(r-l+b-t, 0) {
		return image.Rectangle{}, false
	}
	old := (r - l + b - t) / 2
	cx, cy := r-(r-l)/2, b-(b-t)/2+0.14*old
	size := math.Trunc(1.58 * old)
	if size < 1 || size > 1<<16 {
		return image.Rectangle{}, false
	}
	x0, y0 := int(math.Round(cx-size/2)), int(math.Round(cy-size/2))
	return image.Rect(x0, y0, x0+int(size), y0+int(size)), true
}

// FromCamera reads yaw, pitch and roll from the fitted 3x4 camera matrix
// (row-major): the first two rows, normalised, are the rotation's first two
// rows, their cross product the third. ok is false when a row is zero or
// not finite.
func FromCamera(p [12]float64) (Angles, bool) {
	r1 := [3]float64{p[0], p[1], p[2]}
	r2 := [3]float64{p[4], p[5], p[6]}
	n1, n2 := math.Sqrt(dot(r1, r1)), math.Sqrt(dot(r2, r2))
	if !(n1 > 0 && n2 > 0) || math.IsInf(n1+n2, 0) {
		return Angles{}, false
	}
	for i := range 3 {
		r1[i] /= n1
		r2[i] /= n2
	}
	r3 := [3]float64{r1[1]*r2[2] - r1[2]*r2[1], r1[2]*r2[0] - r1[0]*r2[2], r1[0]*r2[1] - r1[1]*r2[0]}
	var yaw, pitch, roll float64
	switch {
	case r3[0] > 0.998:
		yaw, pitch = math.Pi/2, math.Atan2(-r1[1], -r1[2])
	case r3[0] < -0.998:
		yaw, pitch = -math.Pi/2, math.Atan2(r1[1], r1[2])
	default:
		yaw = math.Asin(r3[0])
		c := math.Cos(yaw)
		pitch = math.Atan2(r3[1]/c, r3[2]/c)
		roll = math.Atan2(r2[0]/c, r1[0]/c)
	}
	const deg = 180 / math.Pi
	return Angles{Yaw: yaw * deg, Pitch: pitch * deg, Roll: roll * deg}, true
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// Pool shares a fixed number of estimators between goroutines
// (onnxrt.Pool): n estimators use at most n cores.
type Pool struct {
	models *onnxrt.Pool[*Estimator]
}

// NewPool creates n estimators.
func NewPool(n int) (*Pool, error) {
	models, err := onnxrt.NewPool(n, NewEstimator)
	if err != nil {
		return nil, err
	}
	return &Pool{models: models}, nil
}

// Estimate waits for a free estimator (or for ctx to end) and runs it.
func (p *Pool) Estimate(ctx context.Context, img image.Image, f face.Face) (a Angles, err error) {
	err = p.models.Use(ctx, func(e *Estimator) error {
		a, err = e.Estimate(img, f)
		return err
	})
	return a, err
}

// Close waits for running calls and releases every estimator.
func (p *Pool) Close() error { return p.models.Close() }
