// Package web is Vigil's HTTP face: the ingest API for capture clients and
// the server-rendered review dashboard. Handlers are thin: they parse the
// request, make one call into ingest or review, and render the result.
package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"vigil/internal/auth"
	"vigil/internal/blob"
	"vigil/internal/ingest"
	"vigil/internal/live"
	"vigil/internal/metrics"
	"vigil/internal/ratelimit"
	"vigil/internal/review"
)

// Deps are what the HTTP layer is built from. Handlers reach the data
// through the domain services only; Schema answers the readiness check.
type Deps struct {
	Schema   Schema
	Blobs    blob.Bucket
	Accounts *auth.Accounts
	Ingest   *ingest.Service
	Review   *review.Service
	// Student is the student's side beyond capture: consent, receipts,
	// released reviews and explanations.
	Student StudentSide
	Log     *slog.Logger
	Now     func() time.Time
	BaseURL string // how users reach this server
	HelpURL string // the institution's help desk; "" for none
	LTI     *LTI   // nil: no LMS integration
	// MailConfigured: an SMTP server takes Vigil's mail (otherwise it
	// stays in the outbox).
	MailConfigured bool
	// Metrics, served at /metrics (nil: none) to requests that carry
	// MetricsToken as a bearer token ("": /metrics is off).
	Metrics      *metrics.Metrics
	MetricsToken string
	// TrustedProxies are load balancers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MediaDirect: authorised media reads are redirected to short-lived
	// signed URLs of the store (S3), whose origin the pages' policy then
	// allows.
	MediaDirect bool
	// Live is what ingest publishes to, for the live view (nil: the page
	// shows what is stored, without updates).
	Live *live.Broker
	// Disk is the free space to keep on the local disks Vigil writes.
	Disk DiskFloor
}

// Server holds the parsed templates and the asset table.
type Server struct {
	Deps
	pages  map[string]*template.Template
	assets *assets
	secure bool // cookies only over HTTPS
	// signIns limits password attempts per client address, against guessing.
	signIns *ratelimit.Limiter[string]
	// pairings limits pairing attempts per client address, against guessing codes.
	pairings *ratelimit.Limiter[string]
	// loopback: served on this computer only (cross-site cookies may be
	// Secure over http there, as browsers treat it as a secure context).
	loopback  bool
	ancestors ancestorCache
	// mediaOrigin is where browsers fetch media from with MediaDirect.
	mediaOrigin string
	// media budgets and audits people's reads of students' media.
	media *mediaGuard
	// storage says whether uploads are refused for lack of space.
	storage *storageState
}

// New parses the embedded templates and hashes the static files.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, secure: len(d.BaseURL) > 8 && d.BaseURL[:8] == "https://", loopback: isLoopback(d.BaseURL),
		signIns:  ratelimit.New[string](1.0/6, 10, d.Now), // 10 at once, then one every 6 s
		pairings: ratelimit.New[string](1.0/2, 20, d.Now), // 20 at once, then one every 2 s
		media:    newMediaGuard(d.Now)}
	s.storage = newStorageState(d.Disk, d.Log, d.Metrics, d.Now)
	if o, ok := d.Blobs.(interface{ PublicOrigin() string }); ok {
		s.mediaOrigin = o.PublicOrigin()
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return s.recoverPanics(s.logRequests(s.securityHeaders(s.limitForms(mux))))
}
