package devlms

import (
	"net/http"
	"strconv"
	"time"
)

// Canvas throttles its API with a leaky bucket per access token: each
// request pours its cost in, the bucket drains at a steady rate, and a
// request that would overflow it is refused with 403. Canvas's cost is the
// request's measured time; the dev platform charges a flat cost so that
// tests can predict when the bucket overflows.
const (
	requestCost   = 1.0
	leakPerSecond = 10.0
)

// bucket is one token's leaky bucket.
type bucket struct {
	level float64
	at    time.Time // when level was last computed
}

// throttle pours one request of a token into its bucket. It returns the
// cost charged, what remains, and whether the request may proceed.
func (p *Platform) throttle(token string) (cost, remaining float64, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := p.state.buckets[token]
	if b == nil {
		b = &bucket{at: now}
		p.state.buckets[token] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.level = max(0, b.level-elapsed*leakPerSecond)
	}
	b.at = now
	if b.level+requestCost > p.rateLimit {
		return 0, p.rateLimit - b.level, false
	}
	b.level += requestCost
	return requestCost, p.rateLimit - b.level, true
}

// setThrottleHeaders adds Canvas's throttling headers to an API answer.
func setThrottleHeaders(w http.ResponseWriter, cost, remaining float64) {
	w.Header().Set("X-Request-Cost", strconv.FormatFloat(cost, 'f', -1, 64))
	w.Header().Set("X-Rate-Limit-Remaining", strconv.FormatFloat(remaining, 'f', -1, 64))
}
