// Package ratelimit is a token bucket per key (a session, an IP address).
// Buckets idle long enough to be full again are dropped, so memory stays
// bounded by the keys actually in use.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows rate events per second per key, with bursts up to burst.
type Limiter[K comparable] struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[K]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter; a rate of 0 or less allows everything.
func New[K comparable](rate float64, burst int, now func() time.Time) *Limiter[K] {
	return &Limiter[K]{rate: rate, burst: float64(max(1, burst)), now: now, buckets: map[K]*bucket{}}
}

// Allow takes a token for key, or says how long until one is free.
func (l *Limiter[K]) Allow(key K) (time.Duration, bool) {
	if l.rate <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// sweep drops buckets that have refilled completely (idle long enough).
func (l *Limiter[K]) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}
