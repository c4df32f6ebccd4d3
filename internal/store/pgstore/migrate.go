package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

// The migrations carry the same numbers as sqlitestore's: version N is the
// same schema in either dialect, so SchemaVersion means the same thing.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the numbered files (0001_name.sql, …) in order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("pgstore: migration %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("pgstore: migrations must be numbered 1, 2, 3, …; found %s", m.name)
		}
	}
	return ms, nil
}

// Migrate brings the schema named first in the search_path to the newest
// version: River's tables (River's own migrator, as sqlitestore does), then
// Vigil's numbered migrations, each in its own transaction. It returns the
// numbers it applied. Processes that migrate at the same time take turns.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	migrator, err := rivermigrate.New(s.driver, nil)
	if err != nil {
		return nil, fmt.Errorf("pgstore: job queue migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("pgstore: job queue migrations: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS vigil_schema (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("pgstore: schema table: %w", err)
	}
	have, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms[min(have, len(ms)):] {
		if err := s.apply(ctx, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

// lockMigrations takes an advisory lock named after the current schema and
// holds it in an open transaction until unlock: were the process to die,
// PostgreSQL ends the transaction and frees the lock with it.
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	lockTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("pgstore: migration lock: %w", err)
	}
	var schema sql.NullString
	if err := lockTx.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		lockTx.Rollback()
		return nil, fmt.Errorf("pgstore: current schema: %w", err)
	}
	if !schema.Valid {
		lockTx.Rollback()
		return nil, fmt.Errorf("pgstore: no schema to migrate: none named in the search_path exists (create it first)")
	}
	if _, err := lockTx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('vigil migrate ' || $1, 0))`,
		schema.String); err != nil {
		lockTx.Rollback()
		return nil, fmt.Errorf("pgstore: migration lock: %w", err)
	}
	return func() { lockTx.Rollback() }, nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Without arguments pgx uses the simple protocol, which runs a file of
	// several statements (and plpgsql bodies) as one.
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("pgstore: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vigil_schema (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("pgstore: record migration %s: %w", m.name, err)
	}
	return tx.Commit()
}

// SchemaVersion returns the newest applied migration and the newest this
// binary knows. have < want means the database needs `vigil migrate`.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	want = len(ms)
	var exists bool
	err = s.db.QueryRowContext(ctx, `SELECT to_regclass('vigil_schema') IS NOT NULL`).Scan(&exists)
	if err != nil || !exists {
		return 0, want, err
	}
	err = s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM vigil_schema`).Scan(&have)
	return have, want, err
}
