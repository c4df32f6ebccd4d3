package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"vigil/internal/jobargs"
	"vigil/internal/student"
)

// digestWorker mails instructors the explanations students sent
// (student.Service.SendDigest).
type digestWorker struct {
	river.WorkerDefaults[jobargs.ExplanationDigest]
	deps Deps
}

func (w *digestWorker) Work(ctx context.Context, job *river.Job[jobargs.ExplanationDigest]) error {
	s := student.New(student.Deps{Store: w.deps.Store, Now: w.deps.Now, BaseURL: w.deps.BaseURL, MailOn: w.deps.Mail != nil})
	return s.SendDigest(ctx, job.Args.SessionID)
}
