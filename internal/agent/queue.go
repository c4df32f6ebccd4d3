package agent

import "time"

// queue holds batches until the server acknowledges them, in memory only:
// nothing the agent sees is written to disk. While offline it keeps up to
// maxQueued batches; an empty batch (a heartbeat) is queued only when
// nothing else waits, since any batch says the agent is there.
type queue struct {
	next    int64 // the number of the next batch to queue
	pending []batch
	// backoff between failed uploads (agentBackoff).
	wait      time.Duration
	notBefore time.Time
}

type batch struct {
	seq    int64
	events []Event
}

// maxQueued bounds memory while the network is down (at 5 s a batch, more
// than 13 hours).
const maxQueued = 10000

func (q *queue) add(events []Event) {
	if len(events) == 0 && len(q.pending) > 0 {
		return
	}
	if len(q.pending) >= maxQueued {
		q.pending = q.pending[1:] // the oldest goes; the rules judge spans, and the newest state matters most
	}
	q.pending = append(q.pending, batch{seq: q.next, events: events})
	q.next++
}

// renumber numbers what waits from next on (the server lost or holds
// other batches: a sequence_gap or sequence_conflict).
func (q *queue) renumber(next int64) {
	for i := range q.pending {
		q.pending[i].seq = next + int64(i)
	}
	q.next = next + int64(len(q.pending))
}

// failed backs off after a failed upload.
func (q *queue) failed(now time.Time) {
	q.wait = agentBackoff.Next(q.wait)
	q.notBefore = now.Add(q.wait)
}

func (q *queue) sent() {
	q.pending = q.pending[1:]
	q.wait, q.notBefore = 0, time.Time{}
}
