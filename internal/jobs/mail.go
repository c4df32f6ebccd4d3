package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
	"vigil/internal/mail"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// DefaultMailRetry is the first wait after a failed attempt; each next
// wait doubles, up to maxMailRetry.
const (
	DefaultMailRetry = 30 * time.Second
	maxMailRetry     = 6 * time.Hour
)

type mailWorker struct {
	river.WorkerDefaults[jobargs.SendMail]
	deps Deps
}

func (w *mailWorker) Timeout(*river.Job[jobargs.SendMail]) time.Duration { return 2 * time.Minute }

// NextRetry backs off exponentially from Deps.MailRetry.
func (w *mailWorker) NextRetry(job *river.Job[jobargs.SendMail]) time.Time {
	return time.Now().Add(mailBackoff(cmp.Or(w.deps.MailRetry, DefaultMailRetry), job.Attempt))
}

func mailBackoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxMailRetry; i++ {
		d *= 2
	}
	return min(d, maxMailRetry)
}

func (w *mailWorker) Work(ctx context.Context, job *river.Job[jobargs.SendMail]) error {
	m, err := w.deps.Store.GetMail(ctx, job.Args.MailID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if m.State == proctor.MailSent || w.deps.Mail == nil {
		return nil
	}
	sendErr := w.deps.Mail.Send(ctx, mail.Message{To: m.To, Subject: m.Subject, Text: m.Body})
	m.Attempts++
	now := w.deps.Now()
	switch {
	case sendErr == nil:
		m.State, m.SentAt, m.LastError = proctor.MailSent, now, ""
	case mail.IsPermanent(sendErr) || job.Attempt >= job.MaxAttempts:
		m.State, m.LastError = proctor.MailFailed, sendErr.Error()
	default:
		m.LastError = fmt.Sprintf("%s (attempt %d; trying again at %s)", sendErr, m.Attempts,
			w.NextRetry(job).UTC().Format("15:04 MST"))
	}
	err = w.deps.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.UpdateMail(ctx, m); err != nil {
			return err
		}
		if err := w.noteOnExport(ctx, tx, m); err != nil {
			return err
		}
		switch m.State {
		case proctor.MailSent:
			return tx.AppendAudit(ctx, &proctor.AuditEntry{At: now, Actor: "vigil", Action: proctor.AuditMailSent,
				Subject: fmt.Sprintf("mail:%d", m.ID), Detail: fmt.Sprintf("to %s: %s", m.To, m.Subject)})
		case proctor.MailFailed:
			return tx.AppendAudit(ctx, &proctor.AuditEntry{At: now, Actor: "vigil", Action: proctor.AuditMailFailed,
				Subject: fmt.Sprintf("mail:%d", m.ID), Detail: fmt.Sprintf("to %s: %s", m.To, m.LastError)})
		}
		return nil
	})
	switch {
	case err != nil:
		return err
	case m.State == proctor.MailFailed:
		w.deps.Log.Error("mail not sent", "mail", m.ID, "err", sendErr)
		return river.JobCancel(sendErr)
	case sendErr != nil:
		w.deps.Log.Warn("mail not sent yet", "mail", m.ID, "attempt", m.Attempts, "err", sendErr)
	}
	return sendErr
}

// noteOnExport tells the export's requester how their email fared.
func (w *mailWorker) noteOnExport(ctx context.Context, tx store.Tx, m *proctor.Mail) error {
	if m.ExportID == 0 {
		return nil
	}
	e, err := tx.GetExport(ctx, m.ExportID)
	if err != nil {
		return err
	}
	e.Mail, e.MailError = m.State, m.LastError
	return tx.UpdateExport(ctx, e)
}
