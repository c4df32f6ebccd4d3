package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// purgeEvery is how often the purge looks for what is due; media is
// deleted at most this long after its period ends.
const purgeEvery = time.Hour

// purgeBatch is how many sessions (or onboarding photos) are looked up at
// a time.
const purgeBatch = 100

type purgeWorker struct {
	river.WorkerDefaults[jobargs.PurgeMedia]
	deps Deps
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[jobargs.PurgeMedia]) error {
	rep, err := Purge(ctx, w.deps, w.deps.runBudget())
	if err == nil && rep.More {
		return river.JobSnooze(0) // a backlog: continue in a fresh run
	}
	return err
}

// PurgeReport is what one pass deleted.
type PurgeReport struct {
	Sessions int  // sessions whose media was deleted
	Students int  // students some of whose onboarding photos were deleted
	Objects  int  // blobs deleted (or already gone)
	More     bool // the time budget ran out with more due
	Failed   int  // sessions or students left for a later pass (errors logged)
}

// Purge deletes what is due at d.Now(), for about budget at most. Each
// session's blobs go first, then, in one transaction, its media rows, the
// purge mark and the audit entry: a crash in between leaves rows whose
// blobs are gone, and the next pass deletes them again harmlessly (a
// missing blob is not an error) and finishes. A session that fails is
// logged and left for the next pass; the others go on.
func Purge(ctx context.Context, d Deps, budget time.Duration) (PurgeReport, error) {
	var rep PurgeReport
	inst, err := d.Store.InstitutionRetention(ctx)
	if err != nil {
		return rep, err
	}
	p := &purge{deps: d, inst: inst, now: d.Now(), deadline: time.Now().Add(budget), rep: &rep}
	errs := []error{p.sessions(ctx)}
	if !rep.More {
		errs = append(errs, p.onboarding(ctx))
	}
	if rep.Sessions+rep.Students+rep.Failed > 0 {
		d.Log.Info("retention purge", "sessions", rep.Sessions, "students", rep.Students, "objects", rep.Objects,
			"failed", rep.Failed, "more", rep.More)
	}
	return rep, errors.Join(errs...)
}

type purge struct {
	deps     Deps
	inst     proctor.Retention
	now      time.Time
	deadline time.Time
	rep      *PurgeReport
}

// sessions purges every session due, a batch at a time.
func (p *purge) sessions(ctx context.Context) error {
	failed := map[int64]bool{}
	var errs []error
	for {
		limit := purgeBatch + len(failed) // failed ones come back first
		due, err := p.deps.Store.ExpiredMedia(ctx, p.inst, p.now, limit)
		if err != nil {
			return err
		}
		progress := false
		for _, m := range due {
			if failed[m.SessionID] {
				continue
			}
			if time.Now().After(p.deadline) {
				p.rep.More = true
				return errors.Join(errs...)
			}
			if err := p.session(ctx, m); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				p.deps.Log.Error("retention purge of a session failed; retried later", "session", m.SessionID, "err", err)
				failed[m.SessionID] = true
				p.rep.Failed++
				errs = append(errs, err)
				continue
			}
			progress = true
		}
		if len(due) < limit || !progress {
			return errors.Join(errs...)
		}
	}
}

// session deletes one session's media: blobs, then rows.
func (p *purge) session(ctx context.Context, m store.MediaExpiry) error {
	keys, err := p.sessionKeys(ctx, m.SessionID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := p.deps.Blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	p.rep.Objects += len(keys)
	err = p.deps.Store.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.PurgeSessionMedia(ctx, m.SessionID, p.now)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("media deleted %d days after the session ended (%s): %s; summary, violations, decisions and notes kept",
			m.Days, m.FinishedAt.Format(time.DateOnly), n)
		return tx.AppendAudit(ctx, &proctor.AuditEntry{At: p.now, Actor: proctor.SystemActor, Action: proctor.AuditRetentionPurged,
			CourseID: m.CourseID, Subject: fmt.Sprintf("session:%d", m.SessionID), Detail: detail})
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // purged meanwhile (another pass): nothing left to do
	}
	if err == nil {
		p.rep.Sessions++
	}
	return err
}

// sessionKeys are the blobs to delete: those the media rows name, and any
// other object under the session's folder (left by a crash between a
// blob's write and its row), except the onboarding photos, which have
// their own period.
func (p *purge) sessionKeys(ctx context.Context, sid int64) ([]string, error) {
	keys, err := p.deps.Store.SessionMediaKeys(ctx, sid)
	if err != nil {
		return nil, err
	}
	onboarding, err := p.deps.Store.ListPhotos(ctx, sid, proctor.PurposeOnboarding)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, ph := range onboarding {
		keep[ph.BlobKey] = true
	}
	for info, err := range p.deps.Blobs.List(ctx, fmt.Sprintf("sessions/%d/", sid)) {
		if err != nil {
			return nil, err
		}
		if !keep[info.Key] {
			keys = append(keys, info.Key)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// onboarding deletes onboarding photos past their period, student by
// student, with one audit entry per student.
func (p *purge) onboarding(ctx context.Context) error {
	failed := map[int64]bool{}
	var errs []error
	for {
		due, err := p.deps.Store.ExpiredOnboarding(ctx, p.inst, p.now, purgeBatch)
		if err != nil {
			return err
		}
		progress := false
		for _, group := range byStudent(due) {
			sid := group[0].Photo.StudentID
			if failed[sid] {
				continue
			}
			if time.Now().After(p.deadline) {
				p.rep.More = true
				return errors.Join(errs...)
			}
			if err := p.student(ctx, group); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				p.deps.Log.Error("retention purge of onboarding photos failed; retried later", "student", sid, "err", err)
				failed[sid] = true
				p.rep.Failed++
				errs = append(errs, err)
				continue
			}
			progress = true
		}
		// A student's failed photos come back first in every batch; with
		// no progress in a batch, the rest waits for the next pass.
		if len(due) < purgeBatch || !progress {
			return errors.Join(errs...)
		}
	}
}

// byStudent splits photos listed by student into one group per student.
func byStudent(due []store.OnboardingExpiry) [][]store.OnboardingExpiry {
	var groups [][]store.OnboardingExpiry
	for i, o := range due {
		if i == 0 || o.Photo.StudentID != due[i-1].Photo.StudentID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], o)
	}
	return groups
}

func (p *purge) student(ctx context.Context, group []store.OnboardingExpiry) error {
	ids := make([]int64, 0, len(group))
	oldest := group[0].Photo.ReceivedAt
	for _, o := range group {
		if err := p.deps.Blobs.Delete(ctx, o.Photo.BlobKey); err != nil {
			return err
		}
		ids = append(ids, o.Photo.ID)
		if o.Photo.ReceivedAt.Before(oldest) {
			oldest = o.Photo.ReceivedAt
		}
	}
	p.rep.Objects += len(group)
	sid := group[0].Photo.StudentID
	deleted := 0
	err := p.deps.Store.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.DeleteOnboardingPhotos(ctx, sid, ids, p.now)
		if err != nil || n == 0 {
			return err
		}
		deleted = n
		detail := fmt.Sprintf("%d onboarding photo(s) deleted, each %d days after it was taken (the oldest on %s)",
			n, group[0].Days, oldest.Format(time.DateOnly))
		return tx.AppendAudit(ctx, &proctor.AuditEntry{At: p.now, Actor: proctor.SystemActor, Action: proctor.AuditRetentionPurged,
			CourseID: group[0].CourseID, Subject: fmt.Sprintf("student:%d", sid), Detail: detail})
	})
	if err == nil && deleted > 0 {
		p.rep.Students++
	}
	return err
}
