package sqlstore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/store"
)

func (c *conn) CreatePairingCode(ctx context.Context, p *store.PairingCode) error {
	return c.execKeyed(ctx, "create pairing code", `INSERT INTO pairing_codes (code_hash, session_id, source, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, p.Hash, p.SessionID, p.Source, ms(p.CreatedAt), ms(p.ExpiresAt))
}

func (c *conn) GetPairingCode(ctx context.Context, codeHash string) (*store.PairingCode, error) {
	p := store.PairingCode{Hash: codeHash}
	var created, expires, used int64
	err := c.r.QueryRowContext(ctx, `SELECT session_id, source, created_at, expires_at, used_at FROM pairing_codes
		WHERE code_hash = $1`, codeHash).Scan(&p.SessionID, &p.Source, &created, &expires, &used)
	if err != nil {
		return nil, wrap("get pairing code", err)
	}
	p.CreatedAt, p.ExpiresAt, p.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &p, nil
}

// UsePairingCode marks a code used once: the condition on used_at makes a
// second use touch no row, whoever came first.
func (c *conn) UsePairingCode(ctx context.Context, codeHash string, at time.Time) error {
	res, err := c.w.ExecContext(ctx, `UPDATE pairing_codes SET used_at = $1 WHERE code_hash = $2 AND used_at = 0`, ms(at), codeHash)
	if err != nil {
		return wrap("use pairing code", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlstore: pairing code used or unknown: %w", store.ErrConflict)
	}
	return nil
}
