package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vigil/internal/ingestclient"
)

// look reads the processes and the app in front.
func (r *run) look(now time.Time) {
	if names, err := r.Reader.Processes(); err == nil {
		r.add(r.obs.processes(now, names))
	} else {
		r.problem("running apps", err)
	}
	if w, err := r.Reader.Foreground(); err == nil {
		r.add(r.obs.foreground(now, w))
	} else {
		r.problem("the app in front", err)
	}
}

// lookSlow reads what changes rarely and costs more: the displays and the
// signs of a virtual machine.
func (r *run) lookSlow(now time.Time) {
	if n, err := r.Reader.Displays(); err == nil {
		r.add(r.obs.displays(now, n))
	} else {
		r.problem("the displays", err)
	}
	if vm, err := r.Reader.VirtualMachine(); err == nil {
		r.add(r.obs.virtualMachine(now, vm))
	} else {
		r.problem("the virtual machine check", err)
	}
}

func (r *run) add(events []Event) { r.found = append(r.found, events...) }

// take returns the events found since the last batch.
func (r *run) take() []Event {
	events := r.found
	r.found = nil
	return events
}

// problem says once what the agent cannot read, so the student can fix it.
func (r *run) problem(what string, err error) {
	if r.problems[what] {
		return
	}
	r.problems[what] = true
	fmt.Fprintf(r.Out, "Cannot read %s: %v\n", what, err)
}

// upload sends the waiting batches, oldest first, until one fails.
func (r *run) upload(ctx context.Context) error {
	q := r.queue
	for len(q.pending) > 0 && !r.Now().Before(q.notBefore) {
		b := q.pending[0]
		err := r.api.putBatch(ctx, b.seq, b.events)
		switch apiErr, ok := errors.AsType[*ingestclient.Error](err); {
		case err == nil:
			if q.wait > 0 {
				fmt.Fprintln(r.Out, "Connected again: sending what waited.")
			}
			q.sent()
		case ok && final(apiErr):
			return r.ended(apiErr.Message)
		case ok && (apiErr.Code == "sequence_gap" || apiErr.Code == "sequence_conflict"):
			r.renumber(ctx, apiErr)
		case ok && !apiErr.Retryable():
			// The server will refuse this batch every time: drop it, say so.
			fmt.Fprintf(r.Out, "A report was refused and dropped: %v\n", err)
			q.sent()
		default:
			if q.wait == 0 { // say it once per outage, not at every retry
				fmt.Fprintf(r.Out, "Reports wait on this computer (in memory) until Vigil can be reached: %v\n", err)
			}
			q.failed(r.Now())
			return nil
		}
	}
	return nil
}

// renumber follows the server's numbering after a gap or a clash.
func (r *run) renumber(ctx context.Context, e *ingestclient.Error) {
	next := e.Next
	if cfg, err := r.api.config(ctx); err == nil {
		next = cfg.NextEventBatch
	}
	r.queue.renumber(next)
}

// flush tries once to send what waits, when the student stops the agent.
func (r *run) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.queue.add(r.take())
	_ = r.upload(ctx)
}
