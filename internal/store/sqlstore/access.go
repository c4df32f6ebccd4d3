package sqlstore

import (
	"context"
	"time"

	"vigil/internal/store"
)

func (c *conn) CreateWebSession(ctx context.Context, w *store.WebSession) error {
	return c.execKeyed(ctx, "create web session", `INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, w.TokenHash, w.UserID, w.CSRFToken, ms(w.CreatedAt), ms(w.ExpiresAt))
}

func (c *conn) GetWebSession(ctx context.Context, tokenHash string, now time.Time) (*store.WebSession, error) {
	w := store.WebSession{TokenHash: tokenHash}
	var created, expires int64
	err := c.r.QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, expires_at FROM web_sessions
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash, ms(now)).Scan(&w.UserID, &w.CSRFToken, &created, &expires)
	if err != nil {
		return nil, wrap("get web session", err)
	}
	w.CreatedAt, w.ExpiresAt = fromMS(created), fromMS(expires)
	return &w, nil
}

func (c *conn) DeleteWebSession(ctx context.Context, tokenHash string) error {
	return c.exec(ctx, "delete web session", `DELETE FROM web_sessions WHERE token_hash = $1`, tokenHash)
}

func (c *conn) CreateSignInLink(ctx context.Context, tokenHash string, userID int64, expires time.Time) error {
	return c.execKeyed(ctx, "create sign-in link", `INSERT INTO sign_in_links (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		tokenHash, userID, ms(expires))
}

func (c *conn) UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (int64, error) {
	// One statement marks the link used and returns its user: of two clicks
	// racing on the same link, the second waits for the first's row lock,
	// then finds used_at set and matches nothing.
	var userID int64
	err := c.w.QueryRowContext(ctx, `UPDATE sign_in_links SET used_at = $1
		WHERE token_hash = $2 AND used_at = 0 AND expires_at > $1 RETURNING user_id`, ms(now), tokenHash).Scan(&userID)
	return userID, wrap("use sign-in link", err)
}
