package cli

import (
	"context"

	"vigil/internal/config"
	"vigil/internal/store/pgstore"
)

// openPostgres opens the PostgreSQL store of a database URL.
func openPostgres(ctx context.Context, cfg *config.Config) (database, error) {
	return pgstore.Open(ctx, cfg.DatabaseURL)
}
