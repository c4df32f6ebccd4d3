package sqlitestore

import (
	"context"
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
			return nil, fmt.Errorf("sqlitestore: migration %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Numbers may skip (a branch reserves the next free one while another
	// branch holds the ones before), but never repeat.
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlitestore: migrations %s and %s share a number", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// applied returns the migration numbers the database has recorded.
func (s *Store) applied(ctx context.Context) (map[int]bool, error) {
	rows, err := s.writer.QueryContext(ctx, `SELECT version FROM vigil_schema`)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: read schema versions: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	return done, rows.Err()
}

// Migrate brings the database to the newest schema: River's tables, then
// Vigil's numbered migrations, each in its own transaction. It returns the
// numbers it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	migrator, err := rivermigrate.New(s.driver, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: job queue migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("sqlitestore: job queue migrations: %w", err)
	}
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS vigil_schema (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return nil, fmt.Errorf("sqlitestore: schema table: %w", err)
	}
	done, err := s.applied(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	// Every migration not yet recorded runs, in order: one merged in from
	// another branch with a lower number than the newest applied runs too.
	var applied []int
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlitestore: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vigil_schema (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlitestore: record migration %s: %w", m.name, err)
	}
	return tx.Commit()
}

// SchemaVersion returns how far the database is migrated and the newest
// migration this binary knows. have is the newest applied migration when
// every known one before it is applied too, and otherwise the number before
// the first one missing; have < want means the database needs `vigil
// migrate`, have > want that it was migrated by a newer vigil.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0, 0, err
	}
	want = ms[len(ms)-1].version
	var exists int
	err = s.writer.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'vigil_schema'`).Scan(&exists)
	if err != nil || exists == 0 {
		return 0, want, err
	}
	done, err := s.applied(ctx)
	if err != nil {
		return 0, want, err
	}
	for _, m := range ms {
		if !done[m.version] {
			return m.version - 1, want, nil
		}
	}
	for v := range done {
		have = max(have, v)
	}
	return have, want, nil
}
