// Package pgstore keeps Vigil's data in PostgreSQL, for deployments where
// several Vigil processes share one database. It implements the same
// store.Store as sqlitestore and passes the same suite (storetest).
//
// It reaches PostgreSQL through pgx's database/sql adapter so that River
// (the job queue) can use the same pool and the same transactions through
// its database/sql driver: a job enqueued in InTx commits with the rows it
// is about, as on SQLite.
package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"vigil/internal/store"
)

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	*conn
	db       *sql.DB
	driver   *riverdatabasesql.Driver
	inserter *river.Client[*sql.Tx]
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at a postgres:// (or postgresql://) URL.
// It does not migrate: call Migrate, or check SchemaVersion before serving.
//
// Every libpq-style parameter pgx understands works (sslmode, …), and any
// other is sent to the server as a setting: search_path=vigil keeps Vigil's
// tables, and River's, in the schema vigil. pool_max_conns (the name pgx's
// own pool uses) sets how many connections this process opens at most.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, conns, err := parseURL(url)
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
	s := &Store{db: db, driver: riverdatabasesql.New(db)}
	s.conn = &conn{q: db, s: s}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("pgstore: connect to %s: %w", redact(cfg), err)
	}
	// An insert-only River client: it enqueues inside our transactions. The
	// workers run elsewhere (package jobs) with their own client.
	s.inserter, err = river.NewClient(s.driver, &river.Config{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("pgstore: job inserter: %w", err)
	}
	return s, nil
}

// defaultConns is the pool size without pool_max_conns: a web server's
// queries are short, so a few per core keep the CPUs busy without
// crowding PostgreSQL's max_connections (100 by default) when several
// processes share it.
func defaultConns() int { return max(4, 2*runtime.NumCPU()) }

func parseURL(url string) (*pgx.ConnConfig, int, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, 0, fmt.Errorf("pgstore: the database URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message names the part it could not read, never the password.
		return nil, 0, fmt.Errorf("pgstore: database URL: %w", err)
	}
	conns := defaultConns()
	// pgx keeps parameters it does not know as server settings; this one is
	// ours, and PostgreSQL would refuse the connection over it.
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns")
		// Migrate holds one connection for its lock while it works on another.
		if conns, err = strconv.Atoi(v); err != nil || conns < 2 {
			return nil, 0, fmt.Errorf("pgstore: pool_max_conns=%q: want a number, at least 2", v)
		}
	}
	return cfg, conns, nil
}

// redact names a database without its password, for messages.
func redact(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// RiverDriver is River's database/sql driver on the store's pool.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] { return s.driver }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }
