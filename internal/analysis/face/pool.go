package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
)

// ErrPoolClosed is returned by Pool.Detect after Close.
var ErrPoolClosed = errors.New("face: pool closed")

// single is one detector for one goroutine: a YuNet Detector or UltraFace.
type single interface {
	Detect(img image.Image) ([]Face, error)
	Close() error
}

// Pool shares a fixed number of detectors between goroutines. Each detector
// runs single-threaded, so n detectors use at most n cores; callers beyond
// that wait for a free detector.
type Pool struct {
	free      chan single
	n         int
	closed    chan struct{}
	closeOnce sync.Once
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
	if n < 1 {
		return nil, fmt.Errorf("face: pool size %d, need at least 1", n)
	}
	p := &Pool{free: make(chan single, n), n: n, closed: make(chan struct{})}
	for range n {
		d, err := open()
		if err != nil {
			p.closeFree()
			return nil, err
		}
		p.free <- d
	}
	return p, nil
}

// Detect waits for a free detector (or for ctx to end) and runs it on img.
func (p *Pool) Detect(ctx context.Context, img image.Image) ([]Face, error) {
	select {
	case <-p.closed:
		return nil, ErrPoolClosed
	default:
	}
	var d single
	select {
	case d = <-p.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, ErrPoolClosed
	}
	defer func() { p.free <- d }()
	return d.Detect(img)
}

// Close stops new calls, waits for running ones to hand their detector
// back, and releases every detector. It is safe to call more than once.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		close(p.closed)
		for range p.n {
			(<-p.free).Close()
		}
	})
	return nil
}

// closeFree releases the detectors created so far when NewPool fails.
func (p *Pool) closeFree() {
	for {
		select {
		case d := <-p.free:
			d.Close()
		default:
			return
		}
	}
}
