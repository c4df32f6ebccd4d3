package voice

import (
	"context"

	"vigil/internal/onnxrt"
)

// Pool shares a fixed number of Detectors between goroutines
// (onnxrt.Pool): n detectors use at most n cores.
type Pool struct {
	models *onnxrt.Pool[*Detector]
}

// NewPool creates n detectors for the model at modelPath.
func NewPool(n int, modelPath string) (*Pool, error) {
	models, err := onnxrt.NewPool(n, func() (*Detector, error) { return NewDetector(modelPath) })
	if err != nil {
		return nil, err
	}
	return &Pool{models: models}, nil
}

// Analyze waits for a free detector (or for ctx to end) and runs it on
// samples; see Detector.Analyze. After Close it returns
// onnxrt.ErrPoolClosed.
func (p *Pool) Analyze(ctx context.Context, samples []float32, rate int) (ws []Window, err error) {
	err = p.models.Use(ctx, func(d *Detector) error {
		ws, err = d.Analyze(samples, rate)
		return err
	})
	return ws, err
}

// Close waits for running calls and releases every detector.
func (p *Pool) Close() error { return p.models.Close() }
