package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
)

// OpenPostgres connects to the database at a postgres:// (or
// postgresql://) URL, for deployments where several Vigil processes share
// one database. It does not migrate: call Migrate, or check SchemaVersion
// before serving.
//
// It reaches PostgreSQL through pgx's database/sql adapter so that River
// can use the same pool and the same transactions through its database/sql
// driver.
//
// Every libpq-style parameter pgx understands works (sslmode, …), and any
// other is sent to the server as a setting: search_path=vigil keeps Vigil's
// tables, and River's, in the schema vigil. pool_max_conns (the name pgx's
// own pool uses) sets how many connections this process opens at most.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, conns, err := parsePostgresURL(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	// Idle connections are closed after a while and none lives for ever, so
	// a process gives back what a burst took and follows a fail-over.
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	return newStore(ctx, postgresDialect{cfg: cfg}, db, db, riverdatabasesql.New(db), redact(cfg))
}

// defaultConns is the pool size without pool_max_conns: a web server's
// queries are short, so a few per core keep the CPUs busy without
// crowding PostgreSQL's max_connections (100 by default) when several
// processes share it.
func defaultConns() int { return max(4, 2*runtime.NumCPU()) }

func parsePostgresURL(url string) (*pgx.ConnConfig, int, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, 0, fmt.Errorf("sqlstore: the database URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message names the part it could not read, never the password.
		return nil, 0, fmt.Errorf("sqlstore: database URL: %w", err)
	}
	conns := defaultConns()
	// pgx keeps parameters it does not know as server settings; this one is
	// ours, and PostgreSQL would refuse the connection over it.
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns")
		// Migrate holds one connection for its lock while it works on another.
		if conns, err = strconv.Atoi(v); err != nil || conns < 2 {
			return nil, 0, fmt.Errorf("sqlstore: pool_max_conns=%q: want a number, at least 2", v)
		}
	}
	return cfg, conns, nil
}

// redact names a database without its password, for messages.
func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// postgresDialect: writers run side by side. How transactions behave
// here, and why:
//
// SQLite has one writer, so callers of InTx may read, decide and write as
// if alone: the analysis worker checks that no frame is pending and then
// completes its job, counting on an upload either being seen or enqueuing
// a new job. On PostgreSQL InTx therefore runs at SERIALIZABLE: PostgreSQL
// then aborts one of two transactions whose interleaving no one-at-a-time
// order could produce (SQLSTATE 40001), and InTx runs fn again on a fresh
// snapshot. fn must therefore be safe to run more than once: whatever it
// sets outside the store, it sets afresh.
//
// The store's own multi-statement methods, called outside a transaction,
// run in one at READ COMMITTED and take row locks where they read before
// they write (CreateSession's attempt number, ReplaceViolations' kept
// decisions, …): waiting on a lock is cheaper than failing and retrying,
// and each statement then sees what the lock holder committed.
type postgresDialect struct {
	// cfg opens connections of the store's own beside the pool (Listen).
	cfg *pgx.ConnConfig
}

func (postgresDialect) name() string { return "postgres" }

// SQLSTATE codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeDiskFull             = "53100"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func (postgresDialect) writersTakeTurns() bool { return false }

func (postgresDialect) mustRetry(err error) bool {
	code := pgCode(err)
	return code == codeSerializationFailure || code == codeDeadlockDetected
}

func (postgresDialect) txOptions(inTx bool) *sql.TxOptions {
	if inTx {
		return &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
}

func (postgresDialect) abortsTxOnError() bool { return true }

func (postgresDialect) completeJob(ctx context.Context, tx *sql.Tx, job *rivertype.JobRow) error {
	_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, &river.Job[rowArgs]{JobRow: job, Args: rowArgs{kind: job.Kind}})
	return err
}

// nocase compares and orders text as SQLite's COLLATE NOCASE does: ASCII
// letters folded (lower() under the "C" collation folds nothing else),
// then byte order. The unique index on users' email is on this expression.
func (postgresDialect) nocase(expr string) string { return `lower(` + expr + ` COLLATE "C")` }

// bytewise orders text byte by byte, as SQLite does, whatever the
// database's own collation.
func (postgresDialect) bytewise(expr string) string { return expr + ` COLLATE "C"` }

func (postgresDialect) rowLock(strength string) string { return ` FOR ` + strength }

func (postgresDialect) schemaTable() string {
	return `CREATE TABLE IF NOT EXISTS vigil_schema (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`
}

func (postgresDialect) schemaTableExists() string {
	return `SELECT to_regclass('vigil_schema') IS NOT NULL`
}

// lockMigrations takes an advisory lock named after the current schema and
// holds it in an open transaction until unlock: were the process to die,
// PostgreSQL ends the transaction and frees the lock with it.
func (postgresDialect) lockMigrations(ctx context.Context, db *sql.DB) (unlock func(), err error) {
	lockTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	var schema sql.NullString
	if err := lockTx.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		lockTx.Rollback()
		return nil, fmt.Errorf("sqlstore: current schema: %w", err)
	}
	if !schema.Valid {
		lockTx.Rollback()
		return nil, fmt.Errorf("sqlstore: no schema to migrate: none named in the search_path exists (create it first)")
	}
	if _, err := lockTx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('vigil migrate ' || $1, 0))`,
		schema.String); err != nil {
		lockTx.Rollback()
		return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	return func() { lockTx.Rollback() }, nil
}
