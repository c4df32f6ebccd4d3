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

	"vigil/internal/jobs"
)

func runServe(ctx context.Context, e env, args []string) error {
	cfg, err := parseConfig(e, "serve", "Runs the HTTP server and the analysis workers in one process, on the\nembedded default (SQLite + local disk). Run `vigil migrate` first.", args, nil)
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

// serve listens, runs the workers, calls ready (if set) with the address
// the server listens on once it accepts requests, and shuts down gracefully
// when ctx ends: requests in flight — uploads above all — finish before the
// process stops.
func (a *app) serve(ctx context.Context, ready func(listenURL string) error) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another program using the port? choose another with --addr)", a.cfg.Addr, err)
	}
	workers, err := jobs.Start(context.WithoutCancel(ctx), jobs.Deps{Store: a.store, Blobs: a.blobs, Frames: a.models.Frames(), Audio: a.models.Audio(),
		Log: a.log, Now: a.now, Workers: a.cfg.Workers, Roster: a.lti.LMS, BaseURL: a.cfg.BaseURL, Mail: a.mail,
		ExportLinkTTL: a.cfg.ExportLinkTTL})
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: a.web.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("vigil is serving", "url", a.cfg.BaseURL, "addr", ln.Addr().String(), "workers", a.cfg.Workers)
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
