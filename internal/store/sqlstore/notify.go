package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"vigil/internal/store"
)

// Notify sends payload to every process listening on channel (PostgreSQL
// NOTIFY, delivered to listeners once sent). On SQLite, where one process
// serves, there is nobody else to tell and it does nothing.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if _, ok := s.d.(postgresDialect); !ok {
		return nil
	}
	_, err := s.writer.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return wrap("notify", err)
}

// Listen calls fn with every payload sent on channel, from any process,
// until ctx ends. It holds a connection of its own (not one of the pool's)
// and opens a new one after losing it, waiting a second between tries;
// what was sent while it had none is lost. On SQLite it returns
// store.ErrUnsupported at once.
func (s *Store) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	pd, ok := s.d.(postgresDialect)
	if !ok {
		return store.ErrUnsupported
	}
	for {
		err := listenOnce(ctx, pd.cfg, channel, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // a lost connection: try again
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, cfg *pgx.ConnConfig, channel string, fn func(string)) error {
	c, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("sqlstore: listen: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("sqlstore: listen: %w", err)
	}
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("sqlstore: listen: %w", err)
		}
		fn(n.Payload)
	}
}
