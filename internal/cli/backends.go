package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
	"vigil/internal/blob/s3blob"
	"vigil/internal/config"
	"vigil/internal/store"
	"vigil/internal/store/sqlstore"
)

// database is a store Vigil can also migrate.
type database interface {
	store.Store
	Migrate(ctx context.Context) ([]int, error)
}

// openStore opens the configured database (without migrating): SQLite
// (the embedded default) or PostgreSQL.
func openStore(ctx context.Context, cfg *config.Config) (database, error) {
	if cfg.DatabaseKind() == config.Postgres {
		return openPostgres(ctx, cfg)
	}
	path, err := cfg.SQLitePath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create the data folder: %w", err)
	}
	return sqlstore.OpenSQLite(ctx, path)
}

// openBlobs opens the configured media store: a folder, or an S3 bucket.
func openBlobs(ctx context.Context, cfg *config.Config) (blob.Bucket, error) {
	if cfg.BlobKind() == config.S3 {
		s3cfg, err := s3blob.ParseURL(cfg.BlobURL)
		if err != nil {
			return nil, err
		}
		s3cfg.AccessKey, s3cfg.SecretKey = cfg.S3AccessKey, cfg.S3SecretKey
		if s3cfg.AccessKey == "" || s3cfg.SecretKey == "" {
			return nil, errors.New("blob-url is S3: set VIGIL_S3_ACCESS_KEY and VIGIL_S3_SECRET_KEY")
		}
		return s3blob.Open(ctx, s3cfg)
	}
	dir, err := cfg.BlobDir()
	if err != nil {
		return nil, err
	}
	return fileblob.Open(dir)
}
