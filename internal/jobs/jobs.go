// Package jobs runs Vigil's background work on River: analysing sessions as
// their uploads arrive, expiring sessions never finished, and deleting
// media past its retention period. Jobs are
// enqueued by store.Tx.Enqueue in the same transaction as their data.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/jobargs"
	"vigil/internal/live"
	"vigil/internal/mail"
	"vigil/internal/metrics"
)

// Deps are what the workers need.
type Deps struct {
	Store  Store
	Blobs  blob.Bucket
	Frames *analysis.Frames // the frame detectors
	Audio  analysis.AudioAnalyzer
	// Identity compares identity scans (and, through Frames.Identity,
	// sampled webcam frames) with the student's onboarding face photo;
	// nil: no identity checks, scans stay "being compared".
	Identity *analysis.Identity
	Log      *slog.Logger
	Now      func() time.Time
	// Workers is how many jobs run at once (one per core is right: the
	// work is face detection).
	Workers int
	// Roster reads course rosters from the LMS (nil: no LMS).
	Roster RosterSyncer
	// BaseURL is how users reach Vigil, for links in mail.
	BaseURL string
	// Mail hands mail to the SMTP server; nil keeps mail in the outbox.
	// Only errors that are not mail.IsPermanent are retried.
	Mail mail.Sender
	// MailRetry is the first wait after a failed send (default
	// DefaultMailRetry); ExportLinkTTL how long download links work
	// (default DefaultExportLinkTTL).
	MailRetry     time.Duration
	ExportLinkTTL time.Duration
	// Live takes what the analysis sees worth showing at once on the live
	// view (nil: nobody watches).
	Live live.Publisher
	// Metrics counts job outcomes and analysis lag (nil: none).
	Metrics *metrics.Metrics
	// JobTimeout bounds one run of a job (default 2 min); RescueAfter is
	// when a job left running by a process that died is run again
	// elsewhere (default 3 min). Tests of crashes shorten both.
	JobTimeout, RescueAfter time.Duration
	// JoinVideo writes each finished session's video segments as single
	// objects, for a store that serves them by signed URL.
	JoinVideo bool
}

// Timing of job runs. A run stops taking new frames after runBudget and
// continues in a fresh run, so a job never nears jobTimeout; after a crash a
// job left "running" is rescued after rescueAfter.
const (
	jobTimeout  = 2 * time.Minute
	rescueAfter = 3 * time.Minute
)

// Start starts a River client that works jobs until ctx ends or Stop is
// called on the returned client.
func Start(ctx context.Context, d Deps) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &analyzeWorker{deps: d})
	river.AddWorker(workers, &expireWorker{deps: d})
	river.AddWorker(workers, &redecideWorker{deps: d})
	river.AddWorker(workers, &rosterWorker{deps: d})
	river.AddWorker(workers, &exportWorker{deps: d})
	river.AddWorker(workers, &mailWorker{deps: d})
	river.AddWorker(workers, &expireExportsWorker{deps: d})
	river.AddWorker(workers, &purgeWorker{deps: d})
	river.AddWorker(workers, &joinWorker{deps: d})
	river.AddWorker(workers, &digestWorker{deps: d})
	client, err := river.NewClient(d.Store.RiverDriver(), &river.Config{
		ID: clientID(),
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(1, d.Workers)},
			// Exports are long copies: one at a time, beside the analysis.
			jobargs.QueueExports: {MaxWorkers: 1}},
		Workers:              workers,
		JobTimeout:           cmp.Or(d.JobTimeout, jobTimeout),
		RescueStuckJobsAfter: cmp.Or(d.RescueAfter, rescueAfter),
		FetchPollInterval:    250 * time.Millisecond,
		Logger:               quiet(d.Log),
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return jobargs.ExpireSessions{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return jobargs.ExpireExports{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(purgeEvery),
				func() (river.JobArgs, *river.InsertOpts) { return jobargs.PurgeMedia{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if d.Metrics != nil {
		countOutcomes(client, d.Metrics)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	return client, nil
}

// countOutcomes feeds job completions and failures to the metrics until
// the client stops.
func countOutcomes(client *river.Client[*sql.Tx], m *metrics.Metrics) {
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	go func() {
		defer cancel()
		for e := range events {
			m.ObserveJob(e.Job.Kind, e.Kind == river.EventKindJobFailed)
		}
	}()
}

// clientID names this process in the queue (a job's attempted_by): the
// host and the process id, so an operator can tell which worker ran what.
func clientID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("vigil-%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()%1e6)
}

// runBudget is how long a run takes new work before it hands over to a
// fresh run: a quarter of the job timeout (30 s by default).
func (d Deps) runBudget() time.Duration { return cmp.Or(d.JobTimeout, jobTimeout) / 4 }

// quiet passes River's warnings and errors on, not its routine chatter.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{l.Handler(), slog.LevelWarn}).With("component", "river")
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(as), h.min}
}

func (h levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(name), h.min}
}
