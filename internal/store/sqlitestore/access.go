package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/store"
)

func (c *conn) CreateWebSession(ctx context.Context, w *store.WebSession) error {
	_, err := c.w.ExecContext(ctx, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, w.TokenHash, w.UserID, w.CSRFToken, ms(w.CreatedAt), ms(w.ExpiresAt))
	return wrap("create web session", err)
}

func (c *conn) GetWebSession(ctx context.Context, tokenHash string, now time.Time) (*store.WebSession, error) {
	w := store.WebSession{TokenHash: tokenHash}
	var created, expires int64
	err := c.r.QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, expires_at FROM web_sessions
		WHERE token_hash = ? AND expires_at > ?`, tokenHash, ms(now)).Scan(&w.UserID, &w.CSRFToken, &created, &expires)
	if err != nil {
		return nil, wrap("get web session", err)
	}
	w.CreatedAt, w.ExpiresAt = fromMS(created), fromMS(expires)
	return &w, nil
}

func (c *conn) DeleteWebSession(ctx context.Context, tokenHash string) error {
	_, err := c.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, tokenHash)
	return wrap("delete web session", err)
}

func (c *conn) CreateSignInLink(ctx context.Context, tokenHash string, userID int64, expires time.Time) error {
	_, err := c.w.ExecContext(ctx, `INSERT INTO sign_in_links (token_hash, user_id, expires_at) VALUES (?, ?, ?)`,
		tokenHash, userID, ms(expires))
	return wrap("create sign-in link", err)
}

func (c *conn) UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (int64, error) {
	// One statement marks the link used and returns its user, so two clicks
	// racing on the same link cannot both sign in.
	var userID int64
	err := c.w.QueryRowContext(ctx, `UPDATE sign_in_links SET used_at = ?1
		WHERE token_hash = ?2 AND used_at = 0 AND expires_at > ?1 RETURNING user_id`, ms(now), tokenHash).Scan(&userID)
	if err != nil {
		return 0, wrap("use sign-in link", err)
	}
	if userID == 0 {
		return 0, fmt.Errorf("sqlitestore: use sign-in link: %w", store.ErrNotFound)
	}
	return userID, nil
}
