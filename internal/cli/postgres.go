package cli

import (
	"context"

	"vigil/internal/config"
	"vigil/internal/store/sqlstore"
)

// openPostgres opens the PostgreSQL store of a database URL.
func openPostgres(ctx context.Context, cfg *config.Config) (database, error) {
	return sqlstore.OpenPostgres(ctx, cfg.DatabaseURL)
}
