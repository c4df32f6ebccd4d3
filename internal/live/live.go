// Package live carries what happens in running exams to the people
// watching them: ingest publishes each upload (a webcam still, an event
// batch, a chunk) and each possible flag the moment it is stored, and the
// live view's Server-Sent Events stream subscribes per exam.
//
// The Broker is in-process and never makes a publisher wait: a subscriber
// that falls behind loses events and is told so (Sub.Lagged), and then
// reloads what it shows. With several `vigil serve` processes on one
// PostgreSQL database, an upload reaches the process it was sent to; each
// process also relays what the others publish (see Relay).
package live

import (
	"sync"
	"sync/atomic"
	"time"

	"vigil/internal/proctor"
)

// Kinds of events.
const (
	KindFrame  = "frame"  // a webcam still was stored (Seq)
	KindUpload = "upload" // something else was stored: events, a chunk, audio
	KindFlag   = "flag"   // a possible violation arrived (Flag)
	KindState  = "state"  // the session started or was finished (State)
)

// Event is one thing that happened in a running session.
type Event struct {
	ExamID    int64                `json:"exam"`
	SessionID int64                `json:"session"`
	Kind      string               `json:"kind"`
	At        time.Time            `json:"at"` // server clock, when stored
	Seq       int64                `json:"seq,omitempty"`
	State     proctor.SessionState `json:"state,omitempty"`
	Flag      *Flag                `json:"flag,omitempty"`
	// Origin names the process that published it (Relay skips its own).
	Origin string `json:"origin,omitempty"`
}

// Flag is a possible violation seen as it arrived. The rules decide what
// counts once the session is analysed; the live view only shows it.
type Flag struct {
	Type  proctor.ViolationType `json:"type"`
	Label string                `json:"label"`
	Text  string                `json:"text"`
	At    time.Time             `json:"at"` // capture time, student's clock
}

// Publisher takes events; *Broker is one. Publish must not block.
type Publisher interface {
	Publish(Event)
}

// subBuffer is how many events a subscriber may have waiting.
const subBuffer = 1024

// Broker fans events out to the subscribers of their exam.
type Broker struct {
	mu   sync.RWMutex
	subs map[int64]map[*Sub]struct{}
	// published and dropped count events, for tests and metrics.
	published, dropped atomic.Int64
	closed             bool // CloseAll was called
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[int64]map[*Sub]struct{}{}} }

// Sub is one subscriber: a live page's stream.
type Sub struct {
	C      <-chan Event
	c      chan Event
	exam   int64
	b      *Broker
	lagged atomic.Bool
	once   sync.Once
}

// Subscribe returns a subscription to an exam's events; Close ends it.
func (b *Broker) Subscribe(examID int64) *Sub {
	c := make(chan Event, subBuffer)
	s := &Sub{C: c, c: c, exam: examID, b: b}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(c)
		s.once.Do(func() {})
		return s
	}
	if b.subs[examID] == nil {
		b.subs[examID] = map[*Sub]struct{}{}
	}
	b.subs[examID][s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close unsubscribes; C is closed.
func (s *Sub) Close() {
	s.once.Do(func() {
		s.b.mu.Lock()
		delete(s.b.subs[s.exam], s)
		if len(s.b.subs[s.exam]) == 0 {
			delete(s.b.subs, s.exam)
		}
		close(s.c)
		s.b.mu.Unlock()
	})
}

// Lagged reports (and clears) whether events were dropped because the
// subscriber did not keep up.
func (s *Sub) Lagged() bool { return s.lagged.Swap(false) }

// Publish hands an event to its exam's subscribers without waiting: a full
// subscriber misses it and is marked lagged.
func (b *Broker) Publish(e Event) {
	b.published.Add(1)
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs[e.ExamID] {
		select {
		case s.c <- e:
		default:
			s.lagged.Store(true)
			b.dropped.Add(1)
		}
	}
}

// CloseAll ends every subscription, so that streams end and a server can
// shut down (its open streams would otherwise hold it); later ones are
// closed at once.
func (b *Broker) CloseAll() {
	b.mu.Lock()
	b.closed = true
	var all []*Sub
	for _, subs := range b.subs {
		for s := range subs {
			all = append(all, s)
		}
	}
	b.mu.Unlock()
	for _, s := range all {
		s.Close()
	}
}

// Subscribers counts an exam's subscribers.
func (b *Broker) Subscribers(examID int64) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs[examID])
}

// Stats are the events published and dropped since start.
func (b *Broker) Stats() (published, dropped int64) { return b.published.Load(), b.dropped.Load() }
