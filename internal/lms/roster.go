package lms

import (
	"context"
	"errors"

	"vigil/internal/store"
)

// SyncRoster reads a course's learners from its LMS (Names and Role
// Provisioning) and adds or updates them as students, so the Student
// List can show who has not started. No student is removed: a student
// who left the course keeps their sessions. Teachers are: the roster
// restates who may use the dashboard (reconcileMembers).
func (s *Service) SyncRoster(ctx context.Context, courseID int64) error {
	x, err := s.Store.GetLTIContext(ctx, courseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // not an LMS course
	}
	if err != nil || x.NRPSURL == "" {
		return err
	}
	reader := x.PlatformID
	if x.NRPSPlatformID != 0 {
		reader = x.NRPSPlatformID
	}
	p, err := s.Store.GetPlatform(ctx, reader)
	if err != nil {
		return err
	}
	members, err := s.Services.Members(ctx, p, x.NRPSURL)
	if err != nil {
		return err
	}
	n := 0
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		for _, m := range members {
			if !m.IsLearner() || m.UserID == "" {
				continue
			}
			if _, err := s.upsertStudent(ctx, tx, courseID, m.UserID, m.GivenName, m.FamilyName, m.Name, m.Email); err != nil {
				return err
			}
			n++
		}
		if err := s.reconcileMembers(ctx, tx, courseID, members); err != nil {
			return err
		}
		x.RosterSyncedAt = s.Now()
		return tx.SaveLTIContext(ctx, x)
	})
	s.Log.Info("roster synced", "course", courseID, "learners", n, "members", len(members))
	return err
}
