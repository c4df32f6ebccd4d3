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
	"sync"
	"text/template"
	"time"

	"github.com/riverqueue/river/rivermigrate"
)

// Migrations are numbered files, migrations/NNNN_name.sql, each written
// once for both engines as a text/template and rendered for the store's
// dialect before it runs. What the engines only spell differently is a
// word of schemaWords, which the dialect fills in ({{.Int}}, {{.AutoID}},
// {{.WithoutRowID}}, …); what they do differently is a block
// {{if .Postgres}}…{{else}}…{{end}} holding each engine's own SQL (a
// plpgsql trigger function against SQLite's RAISE, a SQLite table rebuild
// against ALTER TABLE, JSON functions).
//
// To add a migration: the next free number, one file. Use the words
// wherever a type, literal or clause has one, and an if-block only for a
// statement the engines cannot share, written in that engine's own SQL.
// Then write the schema goldens anew (schema_test.go) and read their diff.
//
// The numbers and file names are those of the separate SQLite and
// PostgreSQL files there were before, which is what vigil_schema records,
// so existing databases carry on; nothing records the SQL itself. The
// golden schemas in testdata, taken from those files, show that the
// rendered migrations build the same schema on each engine.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// schemaWords are what migrations spell differently on each engine: the
// data of their templates. Numbers are as wide on both: SQLite's INTEGER
// is 64-bit (PostgreSQL's BIGINT) and its REAL an 8-byte float
// (DOUBLE PRECISION); its booleans are the integers 0 and 1.
type schemaWords struct {
	// Postgres is true on PostgreSQL, for {{if .Postgres}}.
	Postgres bool
	// AutoID is the type and constraint of a numbered primary key column
	// the database assigns (SQLite's rowid alias, a PostgreSQL identity).
	AutoID string
	// Int, Real, Bool and Blob are column types; True and False the
	// literals of Bool.
	Int, Real, Bool, Blob string
	True, False           string
	// WithoutRowID follows the closing parenthesis of a table keyed by its
	// primary key alone (SQLite's WITHOUT ROWID; nothing on PostgreSQL).
	WithoutRowID string
	// Nocase follows a text column whose comparisons fold ASCII letters
	// (SQLite's COLLATE NOCASE; on PostgreSQL an index on Folded does it).
	Nocase string
	// NowMillis is an expression for the current time in Unix milliseconds.
	NowMillis string
	// folded is what Folded returns; isFalse the format of IsFalse.
	folded  func(col string) string
	isFalse string
}

// Folded is col in an index as the dialect's nocase compares it: the
// column itself on SQLite, where its collation folds, and the expression
// nocase uses on PostgreSQL, so that queries use the index.
func (w schemaWords) Folded(col string) string { return w.folded(col) }

// IsFalse is a condition that Bool column col is false, as each engine
// has always written it in a partial index.
func (w schemaWords) IsFalse(col string) string { return fmt.Sprintf(w.isFalse, col) }

type migration struct {
	version int
	name    string
	sql     string
}

// rendered keeps each dialect's migrations once rendered (a dialect name
// to its sync.OnceValues): the files never change, and SchemaVersion,
// which lists them, answers every readiness check.
var rendered sync.Map

// migrations are the numbered files (0001_name.sql, …) in order, rendered
// for dialect d. Callers share the slice and must not change it.
func migrations(d dialect) ([]migration, error) {
	once, _ := rendered.LoadOrStore(d.name(), sync.OnceValues(func() ([]migration, error) { return renderAll(d) }))
	return once.(func() ([]migration, error))()
}

func renderAll(d dialect) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlstore: migration %q is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		sql, err := render(e.Name(), string(b), d)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: sql})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, checkNumbers(ms)
}

// render is a migration's template filled in with d's words.
func render(name, text string, d dialect) (string, error) {
	tmpl, err := template.New(name).Parse(text)
	if err != nil {
		return "", fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, d.schemaWords()); err != nil {
		return "", fmt.Errorf("sqlstore: migration %s for %s: %w", name, d.name(), err)
	}
	return b.String(), nil
}

// checkNumbers: numbers may skip (a branch reserves the next free one while
// another branch holds the ones before), but never repeat.
func checkNumbers(ms []migration) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return fmt.Errorf("sqlstore: migrations %s and %s share a number", ms[i-1].name, ms[i].name)
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
	ms, err := migrations(s.d)
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
	ms, err := migrations(s.d)
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
