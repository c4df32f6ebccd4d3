package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/export"
	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// DefaultExportLinkTTL is how long a download link works (and its file is
// kept) unless configured otherwise.
const DefaultExportLinkTTL = 7 * 24 * time.Hour

type exportWorker struct {
	river.WorkerDefaults[jobargs.BuildExport]
	deps Deps
}

// Timeout: a large export is gigabytes of copying; the rescuer leaves a
// job alone within its timeout.
func (w *exportWorker) Timeout(*river.Job[jobargs.BuildExport]) time.Duration { return 6 * time.Hour }

// progressInterval is how often a build writes its progress.
const progressInterval = time.Second

func (w *exportWorker) Work(ctx context.Context, job *river.Job[jobargs.BuildExport]) error {
	e, err := w.deps.Store.GetExport(ctx, job.Args.ExportID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if e.State != proctor.ExportQueued && e.State != proctor.ExportBuilding {
		return nil // built (or failed) already
	}
	e.State, e.FilesDone, e.BytesDone, e.Error = proctor.ExportBuilding, 0, 0, ""
	if err := w.deps.Store.UpdateExport(ctx, e); err != nil {
		return err
	}
	b := &export.Builder{Store: w.deps.Store, Blobs: w.deps.Blobs}
	res, err := b.Build(ctx, e, w.progress(ctx, *e))
	if err != nil {
		if ctx.Err() != nil && job.Attempt < job.MaxAttempts {
			// The server is stopping: the build starts over when it is back.
			e.State = proctor.ExportQueued
			return errors.Join(err, w.deps.Store.UpdateExport(context.WithoutCancel(ctx), e))
		}
		return river.JobCancel(errors.Join(err, w.fail(context.WithoutCancel(ctx), e, err)))
	}
	return w.ready(ctx, e, res)
}

// progress returns a report function that stores progress at most once a
// second (it runs on the goroutine writing the ZIP).
func (w *exportWorker) progress(ctx context.Context, e proctor.Export) func(export.Progress) {
	var last time.Time
	return func(p export.Progress) {
		e.FilesDone, e.FilesTotal, e.BytesDone = p.FilesDone, p.FilesTotal, p.Bytes
		if now := time.Now(); now.Sub(last) >= progressInterval || p.FilesDone == p.FilesTotal {
			last = now
			if err := w.deps.Store.UpdateExport(ctx, &e); err != nil {
				w.deps.Log.Warn("export progress not saved", "export", e.ID, "err", err)
			}
		}
	}
}

func (w *exportWorker) fail(ctx context.Context, e *proctor.Export, cause error) error {
	w.deps.Log.Error("export failed", "export", e.ID, "err", cause)
	e.State, e.Error, e.FinishedAt = proctor.ExportFailed, export.Explain(cause), w.deps.Now()
	return w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateExport(ctx, e); err != nil {
			return err
		}
		return auditExport(ctx, tx, e, proctor.AuditExportFailed, w.deps.Now(), e.Error)
	})
}

// ready records the finished file and queues the email in one transaction.
func (w *exportWorker) ready(ctx context.Context, e *proctor.Export, res *export.Result) error {
	links, err := export.NewLinks(ctx, w.deps.Store, w.deps.BaseURL)
	if err != nil {
		return err
	}
	user, err := w.deps.Store.GetUser(ctx, e.UserID)
	if err != nil {
		return err
	}
	now := w.deps.Now()
	e.State, e.BlobKey, e.Size, e.SHA256, e.FinishedAt = proctor.ExportReady, res.Key, res.Size, res.SHA256, now
	e.FilesDone, e.ExpiresAt = e.FilesTotal, now.Add(cmp.Or(w.deps.ExportLinkTTL, DefaultExportLinkTTL))
	msg := &proctor.Mail{To: user.Email, Subject: fmt.Sprintf("Your Vigil export %d is ready", e.ID),
		Body: readyMailBody(user, e, links.URL(e)), ExportID: e.ID, CreatedAt: now, State: proctor.MailKept}
	if w.deps.Mail != nil {
		msg.State = proctor.MailQueued
	}
	e.Mail = msg.State
	return w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.CreateMail(ctx, msg); err != nil {
			return err
		}
		if err := tx.UpdateExport(ctx, e); err != nil {
			return err
		}
		if msg.State == proctor.MailQueued {
			if err := tx.Enqueue(ctx, jobargs.SendMail{MailID: msg.ID}); err != nil {
				return err
			}
		}
		return auditExport(ctx, tx, e, proctor.AuditExportReady, now, fmt.Sprintf("%d bytes, sha256 %s", e.Size, e.SHA256))
	})
}

func readyMailBody(u *proctor.User, e *proctor.Export, link string) string {
	return fmt.Sprintf(`Hello %s,

The evidence export you asked for (request %d, %d session(s)) is ready: %.1f MB.

Download it here (sign in to Vigil first if asked; the link works only for you):
%s

The link and the file expire on %s. The ZIP's manifest.json lists every file with its SHA-256.

— Vigil
`, u.Name, e.ID, len(e.SessionIDs), float64(e.Size)/1e6, link, e.ExpiresAt.UTC().Format("2 Jan 2006 15:04 MST"))
}

func auditExport(ctx context.Context, q store.Queries, e *proctor.Export, action string, at time.Time, detail string) error {
	return q.AppendAudit(ctx, &proctor.AuditEntry{At: at, UserID: e.UserID, Actor: "vigil", Action: action, CourseID: e.CourseID,
		Subject: fmt.Sprintf("export:%d", e.ID), Detail: detail})
}

type expireExportsWorker struct {
	river.WorkerDefaults[jobargs.ExpireExports]
	deps Deps
}

func (w *expireExportsWorker) Work(ctx context.Context, _ *river.Job[jobargs.ExpireExports]) error {
	now := w.deps.Now()
	expired, err := w.deps.Store.ExpiredExports(ctx, now, 100)
	if err != nil {
		return err
	}
	for i := range expired {
		e := &expired[i]
		// The file goes first: should the process stop here, the export is
		// still "ready" and expires again on the next run.
		if err := w.deps.Blobs.Delete(ctx, e.BlobKey); err != nil {
			return err
		}
		e.State = proctor.ExportExpired
		err := w.deps.Store.InTx(ctx, func(tx store.Tx) error {
			if err := tx.UpdateExport(ctx, e); err != nil {
				return err
			}
			return auditExport(ctx, tx, e, proctor.AuditExportExpired, now, "file deleted")
		})
		if err != nil {
			return err
		}
	}
	return nil
}
