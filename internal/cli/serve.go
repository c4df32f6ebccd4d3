package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"vigil/internal/config"
	"vigil/internal/jobs"
	"vigil/internal/live"
)

func runServe(ctx context.Context, e env, args []string) error {
	cfg, err := parseConfig(e, "serve", "Runs the HTTP server. On the embedded default (SQLite + local disk) it runs the background jobs\n"+
		"(analysis, exports, mail, retention) in the same process; on PostgreSQL it serves HTTP only and any\n"+
		"number of `vigil serve` and `vigil work` processes share the database. Run `vigil migrate` first.", args, nil)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	return a.serve(ctx, nil)
}

// jobsInProcess: on SQLite one process does everything; on PostgreSQL the
// jobs belong to `vigil work`.
func (a *app) jobsInProcess() bool { return a.cfg.DatabaseKind() == config.SQLite }

// jobDeps are what the background jobs need.
func (a *app) jobDeps() jobs.Deps {
	return jobs.Deps{Store: a.store, Blobs: a.blobs, Frames: a.models.Frames(), Audio: a.models.Audio(), Identity: a.models.Identity(),
		Log: a.log, Now: a.now, Workers: a.cfg.Workers, Roster: a.lti.LMS, BaseURL: a.cfg.BaseURL, Mail: a.mail,
		ExportLinkTTL: a.cfg.ExportLinkTTL, Metrics: a.metrics, Live: a.livePublisher(), JobTimeout: a.cfg.JobTimeout, RescueAfter: a.cfg.RescueAfter,
		JoinVideo: a.cfg.MediaDirect}
}

// livePublisher is where this process's live events go: the broker of its
// live pages, and on PostgreSQL through the relay to every other process's
// (a `vigil work` process has no pages of its own: the relay carries its
// analysis flags to the serve processes).
func (a *app) livePublisher() live.Publisher {
	if a.relay != nil {
		return a.relay
	}
	return a.live
}

// noWorkers stands in for the job client when jobs run elsewhere.
type noWorkers struct{}

func (noWorkers) Stop(context.Context) error { return nil }

// serve listens, runs the workers (on the embedded default), calls ready
// (if set) with the address the server listens on once it accepts
// requests, and shuts down gracefully when ctx ends: requests in flight —
// uploads above all — finish before the process stops.
func (a *app) serve(ctx context.Context, ready func(listenURL string) error) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another program using the port? choose another with --addr)", a.cfg.Addr, err)
	}
	var workers stopper = noWorkers{}
	if a.jobsInProcess() {
		if workers, err = jobs.Start(context.WithoutCancel(ctx), a.jobDeps()); err != nil {
			ln.Close()
			return err
		}
	}
	srv := &http.Server{Handler: a.web.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	srv.RegisterOnShutdown(a.live.CloseAll) // open live pages would hold the shutdown
	if a.relay != nil {
		go a.relay.Run(ctx)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("vigil is serving", "url", a.cfg.BaseURL, "addr", ln.Addr().String(), "jobs_in_process", a.jobsInProcess(),
		"workers", a.cfg.Workers)
	if ready != nil {
		if err := ready("http://" + ln.Addr().String()); err != nil {
			a.log.Error("start-up task failed", "err", err)
			return errors.Join(err, a.shutdown(srv, workers))
		}
	}
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	return errors.Join(err, a.shutdown(srv, workers))
}

type stopper interface{ Stop(context.Context) error }

func (a *app) shutdown(srv *http.Server, workers stopper) error {
	a.log.Info("shutting down: finishing requests in flight", "timeout", a.cfg.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	herr := srv.Shutdown(ctx)
	if herr != nil {
		herr = fmt.Errorf("http shutdown: %w", herr)
	}
	werr := workers.Stop(ctx)
	if werr != nil {
		werr = fmt.Errorf("workers shutdown: %w", werr)
	}
	a.log.Info("stopped")
	return errors.Join(herr, werr)
}
