package lti

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// FlowStore is the part of the store the login flow needs.
type FlowStore interface {
	FindPlatform(ctx context.Context, issuer, clientID string) (*proctor.Platform, error)
	FindPlatformByDeployment(ctx context.Context, issuer, deploymentID string) (*proctor.Platform, error)
	GetPlatform(ctx context.Context, id int64) (*proctor.Platform, error)
	SaveLogin(ctx context.Context, l *store.LTILogin) error
	OutstandingLogins(ctx context.Context, platformID int64, now time.Time) (int, error)
	TakeLogin(ctx context.Context, stateHash string, now time.Time) (*store.LTILogin, error)
	UseNonce(ctx context.Context, platformID int64, nonce string, expires, now time.Time) error
}

// Flow runs the OIDC third-party-initiated login of LTI 1.3: Begin answers
// the platform's login initiation, Finish checks the launch it leads to.
type Flow struct {
	Store    FlowStore
	Verifier *Verifier
	Now      func() time.Time
	// Base is Vigil's public base URL: target links must be under it.
	Base string
	// RedirectURI is where platforms post id_tokens (Base + "/lti/launch").
	RedirectURI string
	// MaxLogins caps one platform's logins under way (begun, not finished,
	// not expired); 0 is DefaultMaxLogins. Anyone may begin a login, so
	// without a cap a loop of requests would add rows without end.
	MaxLogins int
}

// DefaultMaxLogins is far above what a real platform starts in the ten
// minutes a login lives (a thousand students opening an exam at once).
const DefaultMaxLogins = 20000

// loginLife bounds the time between initiation and launch.
const loginLife = 10 * time.Minute

// LoginRequest is a platform's login initiation (GET or POST parameters).
type LoginRequest struct {
	Issuer, ClientID, DeploymentID     string
	LoginHint, MessageHint, TargetLink string
	StorageTarget                      string // lti_storage_target, when offered
}

// LoginRequestFrom reads the initiation parameters.
func LoginRequestFrom(v url.Values) LoginRequest {
	return LoginRequest{Issuer: v.Get("iss"), ClientID: v.Get("client_id"), DeploymentID: v.Get("lti_deployment_id"),
		LoginHint: v.Get("login_hint"), MessageHint: v.Get("lti_message_hint"), TargetLink: v.Get("target_link_uri"),
		StorageTarget: v.Get("lti_storage_target")}
}

// LoginStart is where to send the browser next, with the state and nonce
// to bind to it.
type LoginStart struct {
	State, Nonce  string
	AuthURL       string // the platform's authorisation request
	StorageTarget string
	// PlatformOrigin is the origin client-side storage messages go to.
	PlatformOrigin string
}

// HashState is how a state is kept: a leaked database row cannot finish
// a login.
func HashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// Begin checks a login initiation and starts the login.
func (f *Flow) Begin(ctx context.Context, r LoginRequest) (*LoginStart, error) {
	if r.Issuer == "" || r.LoginHint == "" || r.TargetLink == "" {
		return nil, refuse(CodeBadRequest, "a login initiation needs iss, login_hint and target_link_uri")
	}
	p, err := f.Store.FindPlatform(ctx, r.Issuer, r.ClientID)
	if errors.Is(err, store.ErrNotFound) && r.ClientID == "" && r.DeploymentID != "" {
		// LTI names a registration by issuer and client id; without the
		// client id, the deployment says which of the issuer's it is.
		p, err = f.Store.FindPlatformByDeployment(ctx, r.Issuer, r.DeploymentID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(CodeUnknownPlatform, "no LMS with issuer %q and client id %q is registered with Vigil", r.Issuer, r.ClientID)
	}
	if err != nil {
		return nil, err
	}
	if r.DeploymentID != "" && !p.HasDeployment(r.DeploymentID) {
		return nil, refuse(CodeUnknownDeployment, "deployment %q is not registered for this LMS: Vigil's administrator adds it to the LMS's registration (Administration → Registered LMSs → Change)", r.DeploymentID)
	}
	if !f.ownsTarget(r.TargetLink) {
		return nil, refuse(CodeWrongTarget, "the target link %q is not Vigil's", r.TargetLink)
	}
	if err := f.checkOutstanding(ctx, p.ID); err != nil {
		return nil, err
	}
	s := &LoginStart{State: randomID(), Nonce: randomID(), StorageTarget: r.StorageTarget}
	err = f.Store.SaveLogin(ctx, &store.LTILogin{StateHash: HashState(s.State), Nonce: s.Nonce, PlatformID: p.ID,
		TargetLinkURI: r.TargetLink, StorageTarget: r.StorageTarget, ExpiresAt: f.Now().Add(loginLife)})
	if err != nil {
		return nil, err
	}
	q := url.Values{"scope": {"openid"}, "response_type": {"id_token"}, "response_mode": {"form_post"}, "prompt": {"none"},
		"client_id": {p.ClientID}, "redirect_uri": {f.RedirectURI}, "login_hint": {r.LoginHint}, "state": {s.State}, "nonce": {s.Nonce}}
	if r.MessageHint != "" {
		q.Set("lti_message_hint", r.MessageHint)
	}
	auth, err := url.Parse(p.AuthURL)
	if err != nil || auth.Scheme == "" {
		return nil, refuse(CodeUnknownPlatform, "the registered authorisation URL of this LMS is not a URL")
	}
	s.PlatformOrigin = auth.Scheme + "://" + auth.Host
	sep := "?"
	if strings.Contains(p.AuthURL, "?") {
		sep = "&"
	}
	s.AuthURL = p.AuthURL + sep + q.Encode()
	return s, nil
}

// ownsTarget: the link is Vigil's (same scheme and host, under its path).
func (f *Flow) ownsTarget(target string) bool {
	t, err := url.Parse(target)
	b, err2 := url.Parse(f.Base)
	return err == nil && err2 == nil && t.Scheme == b.Scheme && t.Host == b.Host && strings.HasPrefix(t.Path, strings.TrimSuffix(b.Path, "/"))
}

// Login is a finished login: the checked launch and how its state must
// still be tied to the browser.
type Login struct {
	Launch        *Launch
	StateHash     string
	StorageTarget string
	TargetLink    string
}

// Finish checks a launch (the id_token and state the platform posted).
// The state is used up whatever happens; the caller must still check
// that this browser began the login (a cookie, or client-side storage).
func (f *Flow) Finish(ctx context.Context, idToken, state string) (*Login, error) {
	if state == "" || idToken == "" {
		return nil, refuse(CodeBadRequest, "a launch needs id_token and state")
	}
	now := f.Now()
	l, err := f.Store.TakeLogin(ctx, HashState(state), now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse(CodeUnknownState, "this launch's state is unknown, already used or expired: start again from the LMS")
	}
	if err != nil {
		return nil, err
	}
	p, err := f.Store.GetPlatform(ctx, l.PlatformID)
	if err != nil {
		return nil, err
	}
	launch, err := f.Verifier.Verify(ctx, p, idToken, l.Nonce)
	if err != nil {
		return nil, err
	}
	err = f.Store.UseNonce(ctx, p.ID, l.Nonce, launch.ExpiresAt.Add(f.Verifier.Leeway), now)
	if errors.Is(err, store.ErrConflict) {
		return nil, refuse(CodeReplayedNonce, "this launch's nonce was used before")
	}
	if err != nil {
		return nil, err
	}
	if !f.ownsTarget(launch.TargetLinkURI) {
		return nil, refuse(CodeWrongTarget, "the launch's target link %q is not Vigil's", launch.TargetLinkURI)
	}
	return &Login{Launch: launch, StateHash: l.StateHash, StorageTarget: l.StorageTarget, TargetLink: l.TargetLinkURI}, nil
}

// checkOutstanding refuses a login when the platform has MaxLogins under
// way (expired ones are deleted first). Concurrent logins may pass the
// count together, so the cap can be overshot by a few, never without end.
func (f *Flow) checkOutstanding(ctx context.Context, platformID int64) error {
	n, err := f.Store.OutstandingLogins(ctx, platformID, f.Now())
	if err != nil {
		return err
	}
	if n >= cmp.Or(f.MaxLogins, DefaultMaxLogins) {
		return refuse(CodeTooManyLogins, "too many logins to Vigil from this LMS are under way: try again in a few minutes")
	}
	return nil
}
