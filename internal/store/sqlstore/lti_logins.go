package sqlstore

import (
	"context"
	"time"
)

// OutstandingLogins drops expired login states and counts the platform's
// others, so that /lti/login cannot fill the table without bound.
func (c *conn) OutstandingLogins(ctx context.Context, platformID int64, now time.Time) (int, error) {
	if err := c.exec(ctx, "prune logins", `DELETE FROM lti_logins WHERE expires_at < $1`, ms(now)); err != nil {
		return 0, err
	}
	var n int
	err := c.w.QueryRowContext(ctx, `SELECT count(*) FROM lti_logins WHERE platform_id = $1`, platformID).Scan(&n)
	return n, wrap("count logins", err)
}
