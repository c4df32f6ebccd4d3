package cli

import (
	"context"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vigil/internal/analysis"
	"vigil/internal/analysis/identity"
	"vigil/internal/auth"
	"vigil/internal/blob"
	"vigil/internal/config"
	"vigil/internal/ingest"
	"vigil/internal/live"
	"vigil/internal/lms"
	"vigil/internal/mail"
	"vigil/internal/metrics"
	"vigil/internal/review"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
	"vigil/internal/student"
	"vigil/internal/web"
)

// app is an opened Vigil: storage, the face detector and the services.
type app struct {
	cfg    *config.Config
	log    *slog.Logger
	store  database
	blobs  blob.Bucket
	models *analysis.Models
	ingest *ingest.Service
	live   *live.Broker // what ingest tells the live view
	relay  *live.Relay  // on PostgreSQL: the live view across processes
	review *review.Service
	lti    *lms.Stack
	web    *web.Server
	mail   mail.Sender // nil: mail stays in the outbox
	// metrics are this process's, served at /metrics.
	metrics *metrics.Metrics
	now     func() time.Time
	unlock  func()
}

// checkSchema refuses to run on a database older than this binary.
func checkSchema(ctx context.Context, st store.Store) error {
	have, want, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case have < want:
		return fmt.Errorf("%w: it is at version %d, this vigil needs %d; run `vigil migrate` first", store.ErrSchemaOutdated, have, want)
	case have > want:
		return fmt.Errorf("the database schema (version %d) is newer than this vigil (version %d): run the newer vigil", have, want)
	}
	return nil
}

// openApp opens everything a server needs. The face detector needs the ONNX
// Runtime library; without it Vigil stops here and says how to get it. The
// library itself is loaded when the first photo or frame is analysed.
func openApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() }}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.models = analysis.NewModels(cfg.Workers, modelFiles(cfg))
	if err := a.models.Check(); err != nil {
		return nil, fmt.Errorf("analysis is not available: %w", err)
	}
	if err := a.openDatabase(ctx); err != nil {
		return nil, err
	}
	if a.blobs, err = openBlobs(ctx, cfg); err != nil {
		return nil, err
	}
	if cfg.SMTPHost != "" {
		smtp, err := mail.NewSMTP(smtpConfig(cfg))
		if err != nil {
			return nil, fmt.Errorf("mail settings: %w", err)
		}
		a.mail = smtp
	}
	a.ingest = ingest.New(a.store, a.blobs, a.models.Faces(), ingest.DefaultLimits(), a.now, log)
	a.live = live.NewBroker()
	a.ingest.SetLive(a.live)
	if cfg.DatabaseKind() != config.SQLite {
		// Several serve processes: each relays its uploads to the others'
		// live pages through the database (serve runs it).
		a.relay = live.NewRelay(a.live, a.store, processName(), log)
		a.ingest.SetLive(a.relay)
	}
	a.review = review.New(a.store, a.now)
	client := &http.Client{Timeout: 30 * time.Second}
	if a.lti, err = lms.NewStack(ctx, a.store, a.ingest, cfg.BaseURL, client, a.now, log); err != nil {
		return nil, err
	}
	a.lti.LMS.GlobalAdmins = strings.Split(cfg.GlobalAdmins, ",")
	a.lti.LMS.AssistantsChange = cfg.AssistantsChange
	a.lti.LMS.MailSends = a.mail != nil
	a.metrics = metrics.New()
	a.metrics.WatchQueue(func(ctx context.Context) (map[rivertype.JobState]int, error) {
		return a.store.RiverDriver().GetExecutor().JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
	})
	students := student.New(student.Deps{Store: a.store, Blobs: a.blobs, Review: a.review, Faces: a.models.Faces(), Now: a.now,
		BaseURL: cfg.BaseURL, MailOn: a.mail != nil, DigestDelay: student.DefaultDigestDelay})
	a.web, err = web.New(web.Deps{Metrics: a.metrics, MetricsToken: a.cfg.MetricsToken, TrustedProxies: cfg.TrustedProxies, MediaDirect: cfg.MediaDirect, Schema: a.store, Blobs: a.blobs, Accounts: auth.NewAccounts(a.store, a.now, log), Ingest: a.ingest, Review: a.review, Student: students, Log: log,
		Now: a.now, BaseURL: cfg.BaseURL, HelpURL: cfg.HelpURL, MailConfigured: a.mail != nil, Live: a.live,
		LTI: &web.LTI{Flow: a.lti.Flow, Keys: a.lti.Keys, LMS: a.lti.LMS}, Disk: diskFloor(cfg)})
	return a, err
}

// diskFloor is the free space to keep on the local disks this process
// writes: the SQLite database's folder and the media folder, when they
// are local.
func diskFloor(cfg *config.Config) web.DiskFloor {
	f := web.DiskFloor{MinFree: uint64(cfg.MinFreeMB) << 20}
	if cfg.DatabaseKind() == config.SQLite {
		if p, err := cfg.SQLitePath(); err == nil {
			f.Paths = append(f.Paths, filepath.Dir(p))
		}
	}
	if cfg.BlobKind() == config.File {
		if d, err := cfg.BlobDir(); err == nil {
			f.Paths = append(f.Paths, d)
		}
	}
	return f
}

// openDatabase opens and checks the database. SQLite is one process's:
// it is locked, and jobs a killed predecessor left running are requeued
// at once. On PostgreSQL many processes share the queue, so a job left
// running by a dead worker is rescued by the queue after its timeout.
func (a *app) openDatabase(ctx context.Context) error {
	if a.cfg.DatabaseKind() == config.Postgres {
		var err error
		if a.store, err = openStore(ctx, a.cfg); err != nil {
			return err
		}
		return checkSchema(ctx, a.store)
	}
	path, err := a.cfg.SQLitePath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the data folder: %w", err)
	}
	if a.unlock, err = lockDatabase(path); err != nil {
		return err
	}
	st, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		return err
	}
	a.store = st
	if err := checkSchema(ctx, st); err != nil {
		return err
	}
	n, err := st.RequeueRunningJobs(ctx)
	if n > 0 {
		a.log.Info("resumed jobs interrupted by the last stop", "jobs", n)
	}
	return err
}

// modelFiles says where the models are and how the identity checks use
// theirs.
func modelFiles(cfg *config.Config) analysis.ModelFiles {
	return analysis.ModelFiles{RuntimeLib: cfg.ONNXRuntimeLib, Voice: cfg.VoiceModel,
		Embedding:      identity.Options{Path: cfg.FaceEmbeddingModel, Input: identity.Input(cfg.FaceEmbeddingInput)},
		MatchThreshold: cfg.FaceMatchThreshold}
}

// Close releases what openApp opened.
func (a *app) Close() error {
	var errs []error
	if a.models != nil {
		errs = append(errs, a.models.Close())
	}
	if a.blobs != nil {
		errs = append(errs, a.blobs.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.unlock != nil {
		a.unlock()
	}
	return errors.Join(errs...)
}

// processName names this process to the other serve processes (the live
// view's relay): the host, the process id and a start stamp.
func processName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano()%1e9)
}
