package face

import (
	"context"
	"image"

	"vigil/internal/onnxrt"
)

// single is one detector for one goroutine: a YuNet Detector or UltraFace.
type single interface {
	Detect(img image.Image) ([]Face, error)
	Close() error
}

// Pool shares a fixed number of detectors between goroutines
// (onnxrt.Pool): n detectors use at most n cores.
type Pool struct {
	models *onnxrt.Pool[single]
}

// NewPool creates n YuNet detectors with the same options.
func NewPool(n int, opts Options) (*Pool, error) {
	return newPool(n, func() (single, error) { return NewDetector(opts) })
}

// NewUltraFacePool creates n UltraFace detectors (the second opinion).
func NewUltraFacePool(n int, threshold float32) (*Pool, error) {
	return newPool(n, func() (single, error) { return NewUltraFace(threshold) })
}

func newPool(n int, open func() (single, error)) (*Pool, error) {
	models, err := onnxrt.NewPool(n, open)
	if err != nil {
		return nil, err
	}
	return &Pool{models: models}, nil
}

// Detect waits for a free detector (or for ctx to end) and runs it on img.
// After Close it returns onnxrt.ErrPoolClosed.
func (p *Pool) Detect(ctx context.Context, img image.Image) (faces []Face, err error) {
	err = p.models.Use(ctx, func(d single) error {
		faces, err = d.Detect(img)
		return err
	})
	return faces, err
}

// Close waits for running calls and releases every detector.
func (p *Pool) Close() error { return p.models.Close() }
