package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"vigil/internal/agent/desktop"
	"vigil/internal/ingestclient"
)

// Agent reports one paired session until it ends.
type Agent struct {
	Server string
	Paired *Paired
	Reader desktop.Reader
	HTTP   *http.Client
	Out    io.Writer // what the student reads: what is reported and why, problems, the end
	Now    func() time.Time
	// Look is how often it looks at the computer (default 2 s); Report how
	// often it sends a batch (default: the server's report_seconds);
	// Refresh how often it re-reads the exam's lists and the displays
	// (default 30 s).
	Look, Report, Refresh time.Duration
}

// ErrSessionEnded: the session finished, expired, or refused this agent.
var ErrSessionEnded = errors.New("agent: the session ended")

func (a *Agent) defaults() {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.HTTP == nil {
		a.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if a.Look == 0 {
		a.Look = 2 * time.Second
	}
	if a.Report == 0 {
		a.Report = time.Duration(max(a.Paired.ReportSeconds, 1)) * time.Second
	}
	if a.Refresh == 0 {
		a.Refresh = 30 * time.Second
	}
}

// run is one agent's state while it runs.
type run struct {
	*Agent
	api   *client
	obs   *observer
	queue *queue
	// lastReport, lastRefresh: when a batch was queued and the lists
	// re-read; problems: what was already said about a failing look;
	// found: events seen since the last batch.
	lastReport, lastRefresh time.Time
	problems                map[string]bool
	found                   []Event
}

// Run reports until the session ends (ErrSessionEnded), ctx is cancelled
// (the student stopped the agent) or the server cannot be reached for the
// first configuration.
func (a *Agent) Run(ctx context.Context) error {
	a.defaults()
	r := &run{Agent: a, api: newClient(a.Server, a.HTTP, a.Paired.SessionID, a.Paired.Token), problems: map[string]bool{}}
	cfg, err := r.firstConfig(ctx)
	if err != nil {
		return err
	}
	r.obs, r.queue = newObserver(cfg), &queue{next: cfg.NextEventBatch}
	fmt.Fprint(a.Out, Notice(a.Paired, len(cfg.ReportApps)))
	r.lookSlow(a.Now())
	tick := time.NewTicker(a.Look)
	defer tick.Stop()
	for {
		if err := r.step(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			r.flush()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// firstConfig reads the configuration, retrying while the network is down.
func (r *run) firstConfig(ctx context.Context) (*Config, error) {
	cfg, err := r.api.retrying(r.Out).config(ctx)
	switch apiErr, ok := errors.AsType[*ingestclient.Error](err); {
	case err == nil && !cfg.Live:
		return nil, ErrSessionEnded
	case err == nil:
		return cfg, nil
	case ok && final(apiErr):
		return nil, fmt.Errorf("%w: %s", ErrSessionEnded, apiErr.Message)
	}
	return nil, err
}

// step looks at the computer, queues a batch every Report, and uploads
// what waits.
func (r *run) step(ctx context.Context) error {
	now := r.Now()
	if now.Sub(r.lastRefresh) >= r.Refresh {
		if err := r.refresh(ctx); err != nil {
			return err
		}
		r.lookSlow(now)
	}
	r.look(now)
	if now.Sub(r.lastReport) >= r.Report {
		r.queue.add(r.take())
		r.lastReport = now
	}
	return r.upload(ctx)
}

// refresh re-reads the exam's lists and whether the session is live.
func (r *run) refresh(ctx context.Context) error {
	r.lastRefresh = r.Now()
	cfg, err := r.api.config(ctx)
	switch apiErr, ok := errors.AsType[*ingestclient.Error](err); {
	case err == nil && !cfg.Live:
		return r.ended("the session is " + string(cfg.State))
	case err == nil:
		r.obs.configure(cfg)
	case ok && final(apiErr):
		return r.ended(apiErr.Message)
	}
	return nil // offline: the lists in hand stay in force
}

func (r *run) ended(why string) error {
	fmt.Fprintf(r.Out, "The session ended (%s): the agent stops. Nothing it saw is kept on this computer.\n", why)
	return ErrSessionEnded
}
