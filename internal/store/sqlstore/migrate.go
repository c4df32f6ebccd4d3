package sqlstore

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

// Each engine has its own SQL files, in migrations/<dialect name>, with
// the same numbers and names (TestMigrationsMatch): version N is the same
// schema in either, so SchemaVersion means the same thing. The numbers and
// names are those the separate SQLite and PostgreSQL stores used, recorded
// in the same table (vigil_schema), so existing databases carry on.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads one dialect's numbered files (0001_name.sql, …) in order.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s/%q is not named NNNN_name.sql", dialect, e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, checkNumbers(dialect, ms)
}

// checkNumbers: numbers may skip (a branch reserves the next free one while
// another branch holds the ones before), but never repeat.
func checkNumbers(dialect string, ms []migration) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return fmt.Errorf("sqlstore: %s migrations %s and %s share a number", dialect, ms[i-1].name, ms[i].name)
		}
	}
	return nil
}

// applied returns the migration numbers the database has recorded.
func (s *Store) applied(ctx context.Context) (map[int]bool, error) {
	rows, err := s.writer.QueryContext(ctx, `SELECT version FROM vigil_schema`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: read schema versions: %w", err)
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

// Migrate brings the database (on PostgreSQL: the schema named first in
// the search_path) to the newest schema: River's tables (River's own
// migrator), then Vigil's numbered migrations, each in its own
// transaction. It returns the numbers it applied. Processes that migrate
// at the same time take turns.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	unlock, err := s.d.lockMigrations(ctx, s.writer)
	if err != nil {
		return nil, err
	}
	defer unlock()
	migrator, err := rivermigrate.New(s.driver, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: job queue migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("sqlstore: job queue migrations: %w", err)
	}
	if _, err := s.writer.ExecContext(ctx, s.d.schemaTable()); err != nil {
		return nil, fmt.Errorf("sqlstore: schema table: %w", err)
	}
	done, err := s.applied(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := migrations(s.d.name())
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
	// Without arguments both drivers run a file of several statements (on
	// PostgreSQL pgx's simple protocol, plpgsql bodies too) as one.
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vigil_schema (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlstore: record migration %s: %w", m.name, err)
	}
	return tx.Commit()
}

// SchemaVersion returns how far the database is migrated and the newest
// migration this binary knows. have is the newest applied migration when
// every known one before it is applied too, and otherwise the number before
// the first one missing; have < want means the database needs `vigil
// migrate`, have > want that it was migrated by a newer vigil.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	ms, err := migrations(s.d.name())
	if err != nil || len(ms) == 0 {
		return 0, 0, err
	}
	want = ms[len(ms)-1].version
	var exists bool
	if err := s.writer.QueryRowContext(ctx, s.d.schemaTableExists()).Scan(&exists); err != nil || !exists {
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
