package review

import (
	"context"

	"vigil/internal/proctor"
)

// Outbox lists Vigil's mail, newest first, at most limit, for the
// administrators (with no SMTP server, this is where mail stays).
func (s *Service) Outbox(ctx context.Context, a Actor, limit int) ([]proctor.Mail, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.store.ListMail(ctx, limit)
}
