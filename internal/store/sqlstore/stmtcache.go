package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmts keeps SQLite's statements prepared. database/sql prepares a
// statement for every call that is not itself a prepared statement, and
// SQLite's parser then costs more than running the statement (a profile
// under load: a sixth of the server's time went to parsing). On SQLite
// the store's queries go through these caches instead; PostgreSQL's
// driver keeps its own per connection.
type stmts struct {
	db *sql.DB

	mu       sync.Mutex
	prepared map[string]*sql.Stmt
	wanted   map[string]bool // seen in a transaction before being prepared
}

// maxStmts bounds the cache: queries are the store's own, but a few are
// built with as many placeholders as their list has items.
const maxStmts = 1000

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, prepared: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns query's statement, preparing it when prepare is true; nil
// when it is not (yet) prepared.
func (s *stmts) get(ctx context.Context, query string, prepare bool) *sql.Stmt {
	s.mu.Lock()
	st, ok := s.prepared[query]
	full := len(s.prepared) >= maxStmts
	if !ok && !prepare && !full {
		s.wanted[query] = true
	}
	s.mu.Unlock()
	if ok || !prepare || full {
		return st
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the caller runs the query unprepared and meets the error there
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if have, ok := s.prepared[query]; ok {
		st.Close()
		return have
	}
	s.prepared[query] = st
	return st
}

// prepareWanted prepares the statements transactions asked for. It must
// run while the caller holds no connection of db: on SQLite's writer,
// with its single connection, between transactions.
func (s *stmts) prepareWanted(ctx context.Context) {
	s.mu.Lock()
	var queries []string
	for q := range s.wanted {
		queries = append(queries, q)
	}
	clear(s.wanted)
	s.mu.Unlock()
	for _, q := range queries {
		s.get(ctx, q, true)
	}
}

func (s *stmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.prepared {
		st.Close()
	}
	clear(s.prepared)
}

// cachedDB runs queries on a pool through its prepared statements.
type cachedDB struct{ *stmts }

func (c cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.get(ctx, query, true); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.get(ctx, query, true); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.get(ctx, query, true); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// cachedTx runs a transaction's queries through the writer's prepared
// statements: one prepared before is reused on the transaction's
// connection; one not yet prepared runs unprepared, and is prepared
// between transactions (prepareWanted), since preparing it on the pool now
// would wait for the connection this transaction holds.
type cachedTx struct {
	tx *sql.Tx
	*stmts
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.get(ctx, query, false); st != nil {
		return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.get(ctx, query, false); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.get(ctx, query, false); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}
