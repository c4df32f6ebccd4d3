// Package face finds faces and five landmarks in camera frames with the
// YuNet 2026may ONNX model (MIT), run by ONNX Runtime.
//
// YuNet was chosen over a pure-Go cascade because it finds faces of every
// skin tone equally well, also in dim light (see docs/FAIRNESS.md in the
// shared folder): a detector that misses darker faces would flag those
// students as absent. Keep the threshold at 0.6–0.7 for the same reason;
// the 0.9 commonly used with YuNet reopens a recall gap between groups.
//
// onnxrt.Init must be called once before NewDetector or NewPool.
package face

import (
	_ "embed"
	"errors"
	"fmt"
	"image"

	ort "github.com/yalue/onnxruntime_go"

	"vigil/internal/onnxrt"
)

//go:embed yunet/face_detection_yunet_2026may.onnx
var yunetModel []byte

// Defaults. 320x240 input costs ~3 ms per frame on one core and finds the
// faces a webcam proctoring frame contains; 0.6 is the low end of the range
// measured to give equal recall across groups.
const (
	DefaultThreshold   = 0.6
	DefaultInputWidth  = 320
	DefaultInputHeight = 240

	// MaxImageSide bounds accepted frames: anything larger is not a webcam
	// frame and would only cost memory for the row buffers.
	MaxImageSide = 8192
	// maxInputSide bounds the network input; beyond it inference gets slow
	// without finding more of the faces a webcam shows.
	maxInputSide = 4096

	nmsIoU = 0.3
	// minFaceFrac drops boxes whose side is under this fraction of the
	// frame height: a face that small is not the student at the camera, and
	// such boxes are where stray detections on textures show up.
	minFaceFrac = 0.04
)

// ErrBadImage is wrapped by the errors Detect returns for unusable images
// (nil, empty, too large, or with pixel buffers shorter than their bounds).
var ErrBadImage = errors.New("face: unusable image")

// Point is a position in frame pixel coordinates.
type Point struct{ X, Y float32 }

// Face is one detection in the coordinates of the image passed to Detect
// (its Bounds().Min is honoured). The box is clamped to the image; the
// landmarks are not, so a face cut by the frame edge keeps its geometry.
type Face struct {
	X, Y, W, H float32
	// Score is the detector's confidence in 0..1.
	Score float32
	// Landmarks, in this order: the subject's right eye (image left), left
	// eye, nose tip, right mouth corner, left mouth corner.
	Landmarks [5]Point
}

// Options configures a Detector. The zero value means the defaults.
type Options struct {
	// Threshold is the minimum score, default DefaultThreshold when 0.
	Threshold float32
	// InputWidth and InputHeight are the network input size the frame is
	// resized to; both 0 means DefaultInputWidth x DefaultInputHeight.
	InputWidth, InputHeight int
}

func (o Options) withDefaults() (Options, error) {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if !(o.Threshold > 0 && o.Threshold <= 1) {
		return o, fmt.Errorf("face: threshold %v outside (0, 1]", o.Threshold)
	}
	if o.InputWidth == 0 && o.InputHeight == 0 {
		o.InputWidth, o.InputHeight = DefaultInputWidth, DefaultInputHeight
	}
	if o.InputWidth < 32 || o.InputHeight < 32 ||
		o.InputWidth > maxInputSide || o.InputHeight > maxInputSide {
		return o, fmt.Errorf("face: input size %dx%d outside 32..%d",
			o.InputWidth, o.InputHeight, maxInputSide)
	}
	return o, nil
}

// Detector runs YuNet on one frame at a time. It owns an ONNX Runtime
// session and preallocated tensors, so it is NOT safe for concurrent use;
// use a Pool to serve several goroutines.
type Detector struct {
	opts       Options
	padW, padH int // input padded to multiples of 32, as the model's strides need

	session *ort.AdvancedSession
	input   *ort.Tensor[float32]
	outputs []*ort.Tensor[float32]
	heads   [len(strides)]head

	resize  resampler
	cands   []Face  // reused between calls
	minFrac float32 // minFaceFrac; a field so tests can measure its effect
}

// NewDetector creates a detector with its own ONNX Runtime session.
func NewDetector(opts Options) (*Detector, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Detector{
		opts:    opts,
		padW:    roundUp32(opts.InputWidth),
		padH:    roundUp32(opts.InputHeight),
		minFrac: minFaceFrac,
	}
	if err := d.allocTensors(); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.openSession(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func roundUp32(n int) int { return (n + 31) &^ 31 }

func (d *Detector) allocTensors() error {
	var err error
	// The tensor starts zeroed and Detect only ever writes the top-left
	// InputWidth x InputHeight region, so the padding stays zero.
	d.input, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, int64(d.padH), int64(d.padW)))
	if err != nil {
		return fmt.Errorf("face: input tensor: %w", err)
	}
	for _, k := range outputKinds {
		for _, stride := range strides {
			cells := int64(d.padH/stride) * int64(d.padW/stride)
			t, err := ort.NewEmptyTensor[float32](ort.NewShape(1, cells, int64(k.width)))
			if err != nil {
				return fmt.Errorf("face: output tensor %s_%d: %w", k.name, stride, err)
			}
			d.outputs = append(d.outputs, t)
		}
	}
	d.bindHeads()
	return nil
}

func (d *Detector) openSession() error {
	so, err := onnxrt.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	outs := make([]ort.Value, len(d.outputs))
	for i, t := range d.outputs {
		outs[i] = t
	}
	d.session, err = ort.NewAdvancedSessionWithONNXData(yunetModel,
		[]string{"input"}, outputNames(), []ort.Value{d.input}, outs, so)
	if err != nil {
		return fmt.Errorf("face: create YuNet session (did you call onnxrt.Init?): %w", err)
	}
	return nil
}

// Detect returns the faces in img, highest score first, or nil if there
// are none. The returned slice is the caller's.
func (d *Detector) Detect(img image.Image) ([]Face, error) {
	if d.session == nil {
		return nil, errors.New("face: detector is closed")
	}
	if err := checkImage(img); err != nil {
		return nil, err
	}
	d.resize.fill(img, d.input.GetData(), d.opts.InputWidth, d.opts.InputHeight, d.padW, d.padH)
	if err := d.session.Run(); err != nil {
		return nil, fmt.Errorf("face: run YuNet: %w", err)
	}
	d.cands = d.decode(d.cands[:0])
	d.cands = nms(d.cands, nmsIoU)
	return d.toFrame(d.cands, img.Bounds()), nil
}

// toFrame scales the kept candidates from network input to image
// coordinates, drops tiny ones, clamps boxes and copies them out.
func (d *Detector) toFrame(cands []Face, b image.Rectangle) []Face {
	if len(cands) == 0 {
		return nil
	}
	// NMS ran in input coordinates; IoU does not change under this
	// axis-aligned scaling, so the kept set is the same either way.
	sx := float32(b.Dx()) / float32(d.opts.InputWidth)
	sy := float32(b.Dy()) / float32(d.opts.InputHeight)
	minSide := d.minFrac * float32(b.Dy())
	out := make([]Face, 0, len(cands)) // one allocation: the caller keeps it
	for _, f := range cands {
		f = scaleFace(f, sx, sy, float32(b.Min.X), float32(b.Min.Y))
		if f.W < minSide || f.H < minSide {
			continue
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
func (d *Detector) Close() error {
	if d.session != nil {
		d.session.Destroy()
		d.session = nil
	}
	if d.input != nil {
		d.input.Destroy()
		d.input = nil
	}
	for _, t := range d.outputs {
		t.Destroy()
	}
	d.outputs = nil
	d.heads = [len(strides)]head{}
	return nil
}
