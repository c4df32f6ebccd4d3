package onnxrt

import (
	"io"
	"sync"
)

// Lazy is a model (a detector pool) created on first use. ONNX Runtime and
// the sessions take tens of megabytes; a server that is idle — most of the
// week, for an exam system — need not hold them until the first frame.
type Lazy[T io.Closer] struct {
	once sync.Once
	load func() (T, error)
	mu   sync.Mutex // guards val and loaded against Close racing the first Get
	val  T
	ok   bool
	err  error
}

// NewLazy returns a Lazy that load creates on the first Get.
func NewLazy[T io.Closer](load func() (T, error)) *Lazy[T] {
	return &Lazy[T]{load: load}
}

// Get creates the value on the first call and returns it; a failure to
// create it is returned by every call.
func (l *Lazy[T]) Get() (T, error) {
	l.once.Do(func() {
		v, err := l.load()
		l.mu.Lock()
		l.val, l.ok, l.err = v, err == nil, err
		l.mu.Unlock()
	})
	return l.val, l.err
}

// Loaded reports whether the value has been created.
func (l *Lazy[T]) Loaded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok
}

// Close closes the value if it was created.
func (l *Lazy[T]) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ok {
		return nil
	}
	return l.val.Close()
}
