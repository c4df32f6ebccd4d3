package cli

import (
	"context"
	"errors"
	"flag"
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
	"vigil/internal/web"
)

// defaultWorkAddr is where `vigil work` serves its metrics and health
// checks unless --addr says otherwise (beside a `vigil serve` on 8080).
const defaultWorkAddr = "127.0.0.1:8091"

func runWork(ctx context.Context, e env, args []string) error {
	var fs *flag.FlagSet
	cfg, err := parseConfig(e, "work", "Runs the background jobs only — analysis, exports, mail, retention — for deployments on\n"+
		"PostgreSQL, where any number of `vigil work` processes share the queue. --addr is where it serves\n"+
		"/metrics, /healthz and /readyz (default "+defaultWorkAddr+").", args, func(f *flag.FlagSet) { fs = f })
	if err != nil {
		return err
	}
	if cfg.DatabaseKind() != config.Postgres {
		return errors.New("vigil work needs a PostgreSQL database (--database-url postgres://…): on the embedded default " +
			"(SQLite), `vigil serve` runs the jobs itself")
	}
	// Given by flag or by VIGIL_ADDR (ApplyEnv sets it as given). Not a
	// changed default: the base URL's default must stay serve's address.
	addrGiven := false
	fs.Visit(func(f *flag.Flag) { addrGiven = addrGiven || f.Name == "addr" })
	if !addrGiven {
		cfg.Addr = defaultWorkAddr
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := openApp(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	return a.work(ctx)
}

// work runs the job workers and a small HTTP server for operations until
// ctx ends; running jobs get the shutdown timeout to finish.
func (a *app) work(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with --addr)", a.cfg.Addr, err)
	}
	workers, err := jobs.Start(context.WithoutCancel(ctx), a.jobDeps())
	if err != nil {
		ln.Close()
		return err
	}
	if a.relay != nil {
		go a.relay.Run(ctx) // the analysis's live flags, to the serve processes
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.HandlerWithToken(a.cfg.MetricsToken))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", web.ReadyHandler(a.store, a.blobs))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("vigil is working", "ops", "http://"+ln.Addr().String(), "workers", a.cfg.Workers)
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	return errors.Join(err, a.shutdown(srv, workers))
}
