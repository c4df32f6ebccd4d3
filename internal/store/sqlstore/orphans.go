package sqlstore

import (
	"context"
	"fmt"
)

// RequeueRunningJobs makes jobs left "running" by a process that died
// available again, so their work resumes at once instead of after River's
// stuck-job rescue (minutes). It is only correct while no other process
// works jobs on this database. On SQLite vigil serve holds the database's
// lock file before it calls this; with PostgreSQL other processes may work
// jobs, so the caller must know it is the only worker (nothing here can
// tell), or leave the jobs to River's rescue.
func (s *Store) RequeueRunningJobs(ctx context.Context) (int64, error) {
	res, err := s.writer.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: requeue running jobs: %w", err)
	}
	return res.RowsAffected()
}
