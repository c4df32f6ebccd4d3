package face

import (
	"context"
	"image"
	"sync"
)

// LazyPool is a Pool created on first use. ONNX Runtime and the detectors
// take tens of megabytes; a server that is idle (most of the week, for an
// exam system) need not hold them until the first frame arrives.
type LazyPool struct {
	once sync.Once
	n    int
	opts Options
	load func() error // loads the runtime (onnxrt.Init) before the pool is made
	pool *Pool
	err  error
	mu   sync.Mutex // guards pool against Close racing the first Detect
}

// NewLazyPool returns a pool of n detectors that load calls up on first use.
func NewLazyPool(n int, opts Options, load func() error) *LazyPool {
	return &LazyPool{n: n, opts: opts, load: load}
}

// Detect creates the pool if needed, then detects as Pool.Detect does. A
// failure to load is returned by every call.
func (l *LazyPool) Detect(ctx context.Context, img image.Image) ([]Face, error) {
	l.once.Do(func() {
		if l.err = l.load(); l.err != nil {
			return
		}
		p, err := NewPool(l.n, l.opts)
		l.mu.Lock()
		l.pool, l.err = p, err
		l.mu.Unlock()
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.pool.Detect(ctx, img)
}

// Loaded reports whether the pool has been created.
func (l *LazyPool) Loaded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pool != nil
}

// Close closes the pool if it was created.
func (l *LazyPool) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pool == nil {
		return nil
	}
	return l.pool.Close()
}
