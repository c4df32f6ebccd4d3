package auth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// SessionTTL is how long a dashboard sign-in lasts.
const SessionTTL = 12 * time.Hour

// Store is what dashboard sign-in keeps: accounts, signed-in browsers,
// one-time links, and the audit entry each sign-in leaves.
type Store interface {
	GetUser(ctx context.Context, id int64) (*proctor.User, error)
	GetUserByEmail(ctx context.Context, email string) (*proctor.User, string, error)
	CreateWebSession(ctx context.Context, w *store.WebSession) error
	GetWebSession(ctx context.Context, tokenHash string, now time.Time) (*store.WebSession, error)
	DeleteWebSession(ctx context.Context, tokenHash string) error
	CreateSignInLink(ctx context.Context, tokenHash string, userID int64, expires time.Time) error
	UseSignInLink(ctx context.Context, tokenHash string, now time.Time) (int64, error)
	AppendAudit(ctx context.Context, e *proctor.AuditEntry) error
}

// Accounts signs dashboard users in and out: by password, by one-time
// link, or (for an LMS launch) as the user the launch vouched for.
type Accounts struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
	// CheckPassword is CheckPassword, which runs argon2id even for an
	// unknown email (so sign-in time does not reveal who has an
	// account); a test counts its calls.
	CheckPassword func(encoded, password string) error
}

// NewAccounts returns the sign-in service over st.
func NewAccounts(st Store, now func() time.Time, log *slog.Logger) *Accounts {
	return &Accounts{store: st, now: now, log: log, CheckPassword: CheckPassword}
}

// Viewer is the signed-in user a browser's session token stands for, and
// that sign-in (with its CSRF token).
func (a *Accounts) Viewer(ctx context.Context, token string) (*proctor.User, *store.WebSession, error) {
	ws, err := a.store.GetWebSession(ctx, HashToken(token), a.now())
	if err != nil {
		return nil, nil, err
	}
	u, err := a.store.GetUser(ctx, ws.UserID)
	if err != nil {
		return nil, nil, err
	}
	return u, ws, nil
}

// Password returns the user whose email and password these are, or
// ErrBadPassword. The password is checked even when no account has the
// email, or the account has no password, so both take as long as a wrong
// password.
func (a *Accounts) Password(ctx context.Context, email, password string) (*proctor.User, error) {
	u, hash, err := a.store.GetUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		u, hash = nil, "" // checked all the same
	}
	if a.CheckPassword(hash, password) != nil || u == nil {
		return nil, ErrBadPassword
	}
	return u, nil
}

// UseLink consumes a one-time sign-in link and returns its user.
func (a *Accounts) UseLink(ctx context.Context, token string) (*proctor.User, error) {
	uid, err := a.store.UseSignInLink(ctx, HashToken(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, proctor.E(proctor.CodeUnauthenticated, "this sign-in link was already used or has expired: ask for a new one (vigil admin signin-link)")
	}
	if err != nil {
		return nil, err
	}
	return a.store.GetUser(ctx, uid)
}

// IssueLink makes a one-time sign-in link for u, valid for ttl, and
// records who issued it; it returns the token, which is shown once.
func (a *Accounts) IssueLink(ctx context.Context, u *proctor.User, ttl time.Duration, actor, remote string) (string, error) {
	tok, hash := NewToken()
	now := a.now()
	if err := a.store.CreateSignInLink(ctx, hash, u.ID, now.Add(ttl)); err != nil {
		return "", err
	}
	err := a.store.AppendAudit(ctx, &proctor.AuditEntry{At: now, Actor: actor, Action: proctor.AuditSignInLinkIssued,
		Subject: "user:" + u.Email, Remote: remote})
	return tok, err
}

// SignIn starts a signed-in browser session for u, coming from remote, and
// returns its token (for the cookie; only its hash is kept) and the session.
// The sign-in is audited; an audit failure is logged, not refused.
func (a *Accounts) SignIn(ctx context.Context, u *proctor.User, remote string) (string, *store.WebSession, error) {
	tok, hash := NewToken()
	csrf, _ := NewToken()
	now := a.now()
	ws := &store.WebSession{TokenHash: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.store.CreateWebSession(ctx, ws); err != nil {
		return "", nil, err
	}
	err := a.store.AppendAudit(ctx, &proctor.AuditEntry{At: a.now(), UserID: u.ID, Actor: u.Email,
		Action: proctor.AuditSignIn, Subject: "user:" + u.Email, Remote: remote})
	if err != nil {
		a.log.Error("audit sign-in", "err", err)
	}
	return tok, ws, nil
}

// SignOut ends a signed-in browser session.
func (a *Accounts) SignOut(ctx context.Context, ws *store.WebSession) error {
	return a.store.DeleteWebSession(ctx, ws.TokenHash)
}
