package devlms

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Platform.
type Options struct {
	// Now is the platform's clock; nil means time.Now. Tests pass a fake
	// clock to expire launches, tokens and messages without sleeping.
	Now func() time.Time
	// RateLimit is the size of the Canvas-like API's leaky bucket per
	// access token; 0 means 700, Canvas's default.
	RateLimit float64
}

// defaultRateLimit is Canvas's default bucket size ("high water mark").
const defaultRateLimit = 700

// Platform is an in-memory LTI 1.3 platform with a Canvas-like REST API.
// Create it with New, serve Handler, then call SetBaseURL with the address
// the listener got.
type Platform struct {
	now       func() time.Time
	rateLimit float64
	client    *http.Client
	guid      string // the tool_platform claim's guid, one per platform
	toolKeys  *toolKeyCache
	pages     pageSet
	mux       *http.ServeMux

	mu      sync.Mutex
	baseURL string
	product string // product_family_code of the OpenID configuration
	// drNoDeployment: Dynamic Registration answers without deployment_id.
	drNoDeployment bool
	keys           []*signingKey // every key that was ever current; the last one signs
	state          state
}

// state is everything the platform remembers, guarded by Platform.mu.
type state struct {
	directory
	launches      map[string]*pendingLaunch
	serviceTokens map[string]serviceToken
	usedJTIs      map[string]time.Time // client assertion ids, until they expire
	usedNonces    map[string]time.Time // nonces of tool messages, until they expire
	deepLinkReqs  map[string]deepLinkRequest
	deepLinks     []DeepLinkItem
	attempts      []*ProctoringAttempt
	acsRequests   []ACSRequest
	canvas        canvasAuth
	buckets       map[string]*bucket
	registrations map[string]*registration // Dynamic Registration tokens
	dynamic       []DynamicRegistration
}

// New makes a platform with one fresh RS256 signing key and no data.
func New(o Options) (*Platform, error) {
	p := &Platform{
		now:       o.Now,
		rateLimit: o.RateLimit,
		client:    &http.Client{Timeout: 10 * time.Second},
		guid:      randomID(16),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rateLimit < 0 {
		return nil, errors.New("devlms: RateLimit must not be negative")
	}
	if p.rateLimit == 0 {
		p.rateLimit = defaultRateLimit
	}
	p.toolKeys = newToolKeyCache(p.client)
	p.state = newState()
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	p.pages = pages
	if err := p.RotateKeys(); err != nil {
		return nil, err
	}
	p.mux = p.routes()
	return p, nil
}

func newState() state {
	return state{
		directory:     newDirectory(),
		launches:      map[string]*pendingLaunch{},
		serviceTokens: map[string]serviceToken{},
		usedJTIs:      map[string]time.Time{},
		usedNonces:    map[string]time.Time{},
		deepLinkReqs:  map[string]deepLinkRequest{},
		canvas:        newCanvasAuth(),
		buckets:       map[string]*bucket{},
		registrations: map[string]*registration{},
	}
}

// Handler serves every endpoint of the platform.
func (p *Platform) Handler() http.Handler { return p.mux }

// SetBaseURL sets the address the platform is reached at, such as
// http://127.0.0.1:8081. It is also the issuer. Call it once the listener
// exists and before the first launch.
func (p *Platform) SetBaseURL(u string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.baseURL = strings.TrimRight(u, "/")
}

// Issuer is the platform's issuer identifier: its base URL.
func (p *Platform) Issuer() string { return p.base() }

// AuthURL is the OIDC authorization endpoint tools send the login to.
func (p *Platform) AuthURL() string { return p.base() + "/auth" }

// TokenURL is the OAuth2 token endpoint for LTI Advantage services.
func (p *Platform) TokenURL() string { return p.base() + "/token" }

// JWKSURL is where the platform publishes its public keys.
func (p *Platform) JWKSURL() string { return p.base() + "/jwks" }

func (p *Platform) base() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.baseURL
}

// randomID returns n random bytes as hex: opaque, unguessable identifiers
// for launches, tokens, codes and session data.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("devlms: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}
