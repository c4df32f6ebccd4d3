package identity

import (
	"context"
	"image"

	"vigil/internal/analysis/face"
	"vigil/internal/onnxrt"
)

// Pool shares a fixed number of models between goroutines (onnxrt.Pool,
// the one pool the face and voice detectors use too): n models use at most
// n cores.
type Pool struct {
	models *onnxrt.Pool[*Model]
	// Zeroed is how many subnormal weights each model had set to zero.
	Zeroed int
}

// NewPool loads n models with the same options.
func NewPool(n int, o Options) (*Pool, error) {
	p := &Pool{}
	models, err := onnxrt.NewPool(n, func() (*Model, error) {
		m, err := NewModel(o)
		if err == nil {
			p.Zeroed = m.Zeroed
		}
		return m, err
	})
	if err != nil {
		return nil, err
	}
	p.models = models
	return p, nil
}

// Embed waits for a free model (or for ctx to end) and embeds the face
// with landmarks lm in img. After Close it returns onnxrt.ErrPoolClosed.
func (p *Pool) Embed(ctx context.Context, img image.Image, lm [5]face.Point) (emb []float32, err error) {
	err = p.models.Use(ctx, func(m *Model) error {
		emb, err = m.Embed(img, lm)
		return err
	})
	return emb, err
}

// Close waits for running calls and releases every model.
func (p *Pool) Close() error { return p.models.Close() }
