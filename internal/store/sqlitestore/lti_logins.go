package sqlitestore

import (
	"context"
	"time"
)

func (c *conn) OutstandingLogins(ctx context.Context, platformID int64, now time.Time) (int, error) {
	if _, err := c.w.ExecContext(ctx, `DELETE FROM lti_logins WHERE expires_at < ?`, ms(now)); err != nil {
		return 0, wrap("prune logins", err)
	}
	var n int
	err := c.w.QueryRowContext(ctx, `SELECT count(*) FROM lti_logins WHERE platform_id = ?`, platformID).Scan(&n)
	return n, wrap("count logins", err)
}
