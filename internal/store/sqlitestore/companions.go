package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/store"
)

func (c *conn) CreatePairingCode(ctx context.Context, p *store.PairingCode) error {
	_, err := c.w.ExecContext(ctx, `INSERT INTO pairing_codes (code_hash, session_id, source, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, p.Hash, p.SessionID, p.Source, ms(p.CreatedAt), ms(p.ExpiresAt))
	return wrap("create pairing code", err)
}

func (c *conn) GetPairingCode(ctx context.Context, codeHash string) (*store.PairingCode, error) {
	p := store.PairingCode{Hash: codeHash}
	var created, expires, used int64
	err := c.r.QueryRowContext(ctx, `SELECT session_id, source, created_at, expires_at, used_at FROM pairing_codes
		WHERE code_hash = ?`, codeHash).Scan(&p.SessionID, &p.Source, &created, &expires, &used)
	if err != nil {
		return nil, wrap("get pairing code", err)
	}
	p.CreatedAt, p.ExpiresAt, p.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &p, nil
}

func (c *conn) UsePairingCode(ctx context.Context, codeHash string, at time.Time) error {
	res, err := c.w.ExecContext(ctx, `UPDATE pairing_codes SET used_at = ? WHERE code_hash = ? AND used_at = 0`, ms(at), codeHash)
	if err != nil {
		return wrap("use pairing code", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlitestore: pairing code used or unknown: %w", store.ErrConflict)
	}
	return nil
}
