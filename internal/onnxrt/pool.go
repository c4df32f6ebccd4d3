package onnxrt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrPoolClosed is returned by Pool.Use after Close.
var ErrPoolClosed = errors.New("onnxrt: pool closed")

// Pool shares a fixed number of models (detectors holding ONNX Runtime
// sessions, which are not safe for concurrent use) between goroutines. Each
// model runs single-threaded, so n models use at most n cores; callers
// beyond that wait for a free one. The face and voice detectors both pool
// their models with it.
type Pool[T io.Closer] struct {
	free      chan T
	n         int
	closed    chan struct{}
	closeOnce sync.Once
}

// NewPool creates n models with open. If one fails, those created so far
// are closed.
func NewPool[T io.Closer](n int, open func() (T, error)) (*Pool[T], error) {
	if n < 1 {
		return nil, fmt.Errorf("onnxrt: pool size %d, need at least 1", n)
	}
	p := &Pool[T]{free: make(chan T, n), n: n, closed: make(chan struct{})}
	for range n {
		m, err := open()
		if err != nil {
			p.closeFree()
			return nil, err
		}
		p.free <- m
	}
	return p, nil
}

// Use waits for a free model (or for ctx to end, or the pool to close),
// runs fn with it and hands it back.
func (p *Pool[T]) Use(ctx context.Context, fn func(T) error) error {
	select {
	case <-p.closed: // checked first: a free model must not win the race below
		return ErrPoolClosed
	default:
	}
	var m T
	select {
	case m = <-p.free:
	case <-ctx.Done():
		return ctx.Err()
	case <-p.closed:
		return ErrPoolClosed
	}
	defer func() { p.free <- m }()
	return fn(m)
}

// Close stops new calls, waits for running ones to hand their model back,
// and closes every model. It is safe to call more than once.
func (p *Pool[T]) Close() error {
	var errs []error
	p.closeOnce.Do(func() {
		close(p.closed)
		for range p.n {
			errs = append(errs, (<-p.free).Close())
		}
	})
	return errors.Join(errs...)
}

// closeFree closes the models created so far when NewPool fails.
func (p *Pool[T]) closeFree() {
	for {
		select {
		case m := <-p.free:
			m.Close()
		default:
			return
		}
	}
}
