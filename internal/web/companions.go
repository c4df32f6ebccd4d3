package web

import (
	"net/http"
	"net/url"
	"strings"

	"vigil/internal/ingest"
	"vigil/internal/proctor"
)

// The companions' API (docs/API.md, docs/COMPANIONS.md): the proctoring
// window asks for pairing codes and watches the companions connect; a
// companion pairs with a code, reads its configuration and uploads its own
// numbered event batches.

var (
	companionsOnly = []string{proctor.SourceAgent, proctor.SourceExtension}
	anySource      = []string{proctor.SourceBrowser, proctor.SourceAgent, proctor.SourceExtension}
)

type pairingRequest struct {
	Kind string `json:"kind"`
}

type pairingAnswer struct {
	ingest.IssuedCode
	// Link opens the desktop agent with the code, where it is installed
	// as the handler of vigil-agent: links.
	Link string `json:"link,omitempty"`
	// Server is the address the companion pairs with.
	Server string `json:"server"`
}

// apiPairingCode issues a pairing code for the proctoring window to show.
func (s *Server) apiPairingCode(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	var req pairingRequest
	if err := s.decodeJSON(w, r, &req, 4<<10); err != nil {
		s.apiError(w, r, err)
		return
	}
	code, err := s.Ingest.NewPairingCode(r.Context(), sess, req.Kind)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	base := strings.TrimRight(s.BaseURL, "/")
	ans := pairingAnswer{IssuedCode: *code, Server: base}
	if req.Kind == proctor.SourceAgent {
		ans.Link = "vigil-agent://pair?" + url.Values{"server": {base}, "code": {code.Code}}.Encode()
	}
	writeJSON(w, http.StatusCreated, ans)
}

type pairRequest struct {
	Code string `json:"code"`
	Kind string `json:"kind"`
}

// apiPair exchanges a pairing code for a companion token.
func (s *Server) apiPair(w http.ResponseWriter, r *http.Request) {
	if wait, ok := s.pairings.Allow(remoteIP(r)); !ok {
		s.apiError(w, r, proctor.E(proctor.CodeRateLimited, "too many pairing attempts; wait a moment").
			With("retry_after_ms", wait.Milliseconds()))
		return
	}
	var req pairRequest
	if err := s.decodeJSON(w, r, &req, 4<<10); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.Ingest.Pair(r.Context(), req.Code, req.Kind)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiCompanions tells the proctoring window how its companions stand.
func (s *Server) apiCompanions(w http.ResponseWriter, r *http.Request, sess *proctor.Session) {
	st, err := s.Ingest.Companions(r.Context(), sess)
	s.writeAck(w, r, st, err)
}

// apiCompanionConfig is what a companion reads: keep going or stop, and
// the exam's lists.
func (s *Server) apiCompanionConfig(w http.ResponseWriter, r *http.Request, sess *proctor.Session, source string) {
	c, err := s.Ingest.CompanionConfig(r.Context(), sess, source, s.BaseURL)
	s.writeAck(w, r, c, err)
}

// apiPutSourceEvents stores a batch of the source the path names, which
// must be the token's own.
func (s *Server) apiPutSourceEvents(w http.ResponseWriter, r *http.Request, sess *proctor.Session, source string) {
	if r.PathValue("source") != source {
		s.apiError(w, r, proctor.E(proctor.CodeForbidden, "a %s token uploads to .../sources/%s/events/", proctor.SourceLabel(source), source))
		return
	}
	s.putEvents(w, r, sess, source)
}
