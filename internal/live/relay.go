package live

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Wire carries messages between the processes sharing a database
// (store.Notifier: PostgreSQL's NOTIFY and LISTEN).
type Wire interface {
	Notify(ctx context.Context, channel, payload string) error
	Listen(ctx context.Context, channel string, fn func(payload string)) error
}

// Channel is the wire channel of live events.
const Channel = "vigil_live"

// Relay joins the brokers of several `vigil serve` processes on one
// PostgreSQL database, so a live page sees uploads whichever process
// stored them. Publish hands an event to this process's broker at once and
// queues it for the others; Run sends the queue as one NOTIFY per
// relayBatch (never from the publisher's goroutine, so ingest does not
// wait on it) and hands the others' events to this broker. An event a
// full queue cannot take is dropped for the other processes only.
type Relay struct {
	Broker  *Broker
	Wire    Wire
	Origin  string // this process's name; its own events are not relayed back
	Channel string // "" is Channel
	Log     *slog.Logger
	queue   chan Event
}

const (
	relayBatch = 100 * time.Millisecond
	relayQueue = 4096
	// relayPayload keeps a NOTIFY under PostgreSQL's 8000-byte limit.
	relayPayload = 7000
)

// NewRelay returns a relay; Run must be running for events to leave.
func NewRelay(b *Broker, w Wire, origin string, log *slog.Logger) *Relay {
	return &Relay{Broker: b, Wire: w, Origin: origin, Log: log, queue: make(chan Event, relayQueue)}
}

// Publish hands e to this process's subscribers and queues it for the
// other processes'.
func (r *Relay) Publish(e Event) {
	e.Origin = r.Origin
	r.Broker.Publish(e)
	select {
	case r.queue <- e:
	default:
	}
}

// Run relays until ctx ends: this process's events out, the others' in.
func (r *Relay) Run(ctx context.Context) error {
	go r.send(ctx)
	return r.Wire.Listen(ctx, cmp.Or(r.Channel, Channel), r.receive)
}

func (r *Relay) receive(payload string) {
	var events []Event
	if err := json.Unmarshal([]byte(payload), &events); err != nil {
		r.Log.Warn("live relay: unreadable message", "err", err)
		return
	}
	for _, e := range events {
		if e.Origin != r.Origin {
			r.Broker.Publish(e)
		}
	}
}

// send gathers the queue for relayBatch and sends it in messages that fit.
func (r *Relay) send(ctx context.Context) {
	tick := time.NewTicker(relayBatch)
	defer tick.Stop()
	var batch []Event
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-r.queue:
			batch = append(batch, e)
		case <-tick.C:
			for len(batch) > 0 {
				n, payload := fit(batch)
				if err := r.Wire.Notify(ctx, cmp.Or(r.Channel, Channel), payload); err != nil && ctx.Err() == nil {
					r.Log.Warn("live relay: notify", "err", err)
				}
				batch = batch[n:]
			}
			batch = batch[:0]
		}
	}
}

// fit encodes as many of the events as fit one message (at least one).
func fit(events []Event) (int, string) {
	n := len(events)
	for {
		b, _ := json.Marshal(events[:n])
		if len(b) <= relayPayload || n == 1 {
			return n, string(b)
		}
		n /= 2
	}
}
