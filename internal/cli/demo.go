package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"vigil/internal/demo"
	"vigil/internal/simclient"
	"vigil/internal/store"
	"vigil/media"
)

// demoMarker marks a data folder as made by `vigil demo`, so --reset never
// deletes a folder holding real data.
const demoMarker = ".vigil-demo"

const demoUsage = `Starts Vigil in a demo data folder and fills a demo course (2 exams, 14 students)
by streaming real photos and frames through the ingest API with a simulated
capture client. Prints the dashboard's address and a sign-in link, then serves
until interrupted. Run it again to reuse the demo; --reset starts over.`

func runDemo(ctx context.Context, e env, args []string) error {
	var reset *bool
	var parallel *int
	var lmsAddr *string
	cfg, err := parseConfig(e, "demo", demoUsage, args, func(fs *flag.FlagSet) {
		setDefault(fs, "data", "vigil-demo")
		setDefault(fs, "log-level", "warn") // the demo's own progress lines are the output
		reset = fs.Bool("reset", false, "delete the demo data folder and fill it again")
		parallel = fs.Int("parallel", 4, "simulated students uploading at once")
		lmsAddr = fs.String("lms-addr", "127.0.0.1:8081", "where the development LMS listens (\"\" for none): launch Vigil through LTI from it")
	})
	if err != nil {
		return err
	}
	if err := prepareDemoDir(cfg.DataDir, *reset); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := migrate(ctx, env{stdout: discard{}}, cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer a.Close()
	return a.serve(ctx, func(base string) error {
		if err := a.fillDemo(ctx, e, base, *parallel); err != nil {
			return err
		}
		if *lmsAddr == "" {
			return nil
		}
		lmsURL, err := a.startDemoLMS(ctx, *lmsAddr)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Or launch Vigil through LTI 1.3 from the development LMS: open %s and act as the instructor or a student.\n", lmsURL)
		return nil
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func prepareDemoDir(dir string, reset bool) error {
	_, markerErr := os.Stat(filepath.Join(dir, demoMarker))
	entries, _ := os.ReadDir(dir)
	if len(entries) > 0 && markerErr != nil {
		return fmt.Errorf("%s holds data that `vigil demo` did not make; choose another --data folder", dir)
	}
	if reset && markerErr == nil {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by vigil demo\n"), 0o640)
}

// fillDemo fills the course on first start, then prints how to sign in.
func (a *app) fillDemo(ctx context.Context, e env, base string, parallel int) error {
	u, err := demo.Instructor(ctx, a.store)
	if errors.Is(err, store.ErrNotFound) {
		if err := a.runDemoSessions(ctx, e, base, parallel); err != nil {
			return err
		}
		u, err = demo.Instructor(ctx, a.store)
	}
	if err != nil {
		return err
	}
	link, err := signInLink(ctx, a.store, a.cfg, u, 24*time.Hour)
	if err != nil {
		return err
	}
	student, err := demo.StudentLink(ctx, a.store)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nVigil demo is ready at %s\nSign in as the demo instructor with this one-time link (valid 24 h):\n  %s\n"+
		"Take an exam as a student (a camera and a microphone are needed; open it on this computer, or over https):\n  %s/s/%s\n"+
		"Press Ctrl-C to stop. Data is kept in %s; `vigil demo` again reuses it.\n", a.cfg.BaseURL, link, a.cfg.BaseURL, student, a.cfg.DataDir)
	return nil
}

func (a *app) runDemoSessions(ctx context.Context, e env, base string, parallel int) error {
	start := time.Now()
	fmt.Fprintln(e.stdout, "Filling the demo course: simulated students upload their sessions through the ingest API…")
	client := &simclient.Client{Base: base, HTTP: &http.Client{Timeout: time.Minute}, Media: media.FS, Retries: 8}
	ids, err := demo.Fill(ctx, demo.Options{Store: a.store, Client: client, Now: a.now, Parallel: parallel,
		Progress: func(done, total int) { fmt.Fprintf(e.stdout, "  %d of %d sessions uploaded\n", done, total) }})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Waiting for the analysis to finish…")
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := demo.WaitAnalysed(wctx, a.store, ids); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d sessions uploaded and analysed in %s.\n", len(ids), time.Since(start).Round(time.Second))
	return nil
}
