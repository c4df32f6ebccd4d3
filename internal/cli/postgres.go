package cli

import (
	"context"
	"errors"

	"vigil/internal/config"
)

// openPostgres opens the PostgreSQL store.
func openPostgres(ctx context.Context, cfg *config.Config) (database, error) {
	return nil, errors.New("database-url: PostgreSQL is not wired yet")
}
