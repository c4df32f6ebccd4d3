package voice

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrPoolClosed is returned by Pool.Analyze after Close.
var ErrPoolClosed = errors.New("voice: pool closed")

// Pool shares a fixed number of Detectors between goroutines. Each
// detector runs single-threaded, so n detectors use at most n cores;
// callers beyond that wait for a free detector.
type Pool struct {
	free      chan *Detector
	n         int
	closed    chan struct{}
	closeOnce sync.Once
}

// NewPool creates n detectors for the model at modelPath.
func NewPool(n int, modelPath string) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("voice: pool size %d, need at least 1", n)
	}
	p := &Pool{free: make(chan *Detector, n), n: n, closed: make(chan struct{})}
	for range n {
		d, err := NewDetector(modelPath)
		if err != nil {
			p.closeFree()
			return nil, err
		}
		p.free <- d
	}
	return p, nil
}

// Analyze waits for a free detector (or for ctx to end) and runs it on
// samples; see Detector.Analyze.
func (p *Pool) Analyze(ctx context.Context, samples []float32, rate int) ([]Window, error) {
	select {
	case <-p.closed:
		return nil, ErrPoolClosed
	default:
	}
	var d *Detector
	select {
	case d = <-p.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, ErrPoolClosed
	}
	defer func() { p.free <- d }()
	return d.Analyze(samples, rate)
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
