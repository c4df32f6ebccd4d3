package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"vigil/internal/blob"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

// statusOf maps an error code to its HTTP status.
func statusOf(code proctor.Code) int {
	switch code {
	case proctor.CodeInvalid, proctor.CodeMalformedJSON, proctor.CodeBadTimestamp:
		return http.StatusBadRequest
	case proctor.CodeUnauthenticated:
		return http.StatusUnauthorized
	case proctor.CodeForbidden:
		return http.StatusForbidden
	case proctor.CodeNotFound:
		return http.StatusNotFound
	case proctor.CodeGone:
		return http.StatusGone
	case proctor.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case proctor.CodeNotJPEG, proctor.CodeNotWebM, proctor.CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case proctor.CodeSequenceGap, proctor.CodeSequenceConflict, proctor.CodeSessionClosed,
		proctor.CodeIncomplete, proctor.CodeConflict:
		return http.StatusConflict
	case proctor.CodeRateLimited:
		return http.StatusTooManyRequests
	case proctor.CodeUnavailable:
		return http.StatusServiceUnavailable
	case proctor.CodeStorageFull:
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// appError turns any error into the user-safe *proctor.Error, mapping the
// store's and blob's not-found errors on the way.
func appError(err error) *proctor.Error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, blob.ErrNotFound) {
		return proctor.E(proctor.CodeNotFound, "not found")
	}
	if errors.Is(err, store.ErrStorageFull) || errors.Is(err, blob.ErrStorageFull) {
		return errStorageFull.Wrap(err)
	}
	return proctor.AsError(err)
}

// errStorageFull refuses an upload while the server's disk is full (or
// below its free-space floor): the client keeps the item and tries again.
var errStorageFull = proctor.E(proctor.CodeStorageFull, "the server cannot store uploads for the moment; keep them and try again").
	With("retry_after_ms", storageRetryAfter.Milliseconds())

// storageRetryAfter is the Retry-After of a storage_full refusal: space
// comes back when an operator frees it, so clients need not hurry.
const storageRetryAfter = 10 * time.Second

// apiError writes {"error": {"code", "message", "request_id", ...detail}}.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client hung up (or the server is stopping): nobody reads an
		// answer, and it is not a server fault. 499 marks it in the log.
		w.WriteHeader(499)
		return
	}
	status, body := s.apiErrorBody(r, err)
	if ms, ok := body["retry_after_ms"].(int64); ok {
		// Whole seconds, rounded up and never 0: a wait of under a
		// millisecond still means "not now", and 0 would invite a client
		// to retry at once.
		w.Header().Set("Retry-After", strconv.FormatInt(max(1, (ms+999)/1000), 10))
	}
	writeJSON(w, status, map[string]any{"error": body})
}

// apiErrorBody is an API error's status and body, logged when it is the
// server's fault; a batch answers each refused item with its body.
func (s *Server) apiErrorBody(r *http.Request, err error) (int, map[string]any) {
	e := appError(err)
	status := statusOf(e.Code)
	switch {
	case e.Code == proctor.CodeStorageFull:
		s.storage.refused(err) // logged once, not per request
	case status >= 500:
		s.Log.Error("api error", "id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	body := map[string]any{"code": e.Code, "message": e.Message, "request_id": requestID(r.Context())}
	for k, v := range e.Detail {
		body[k] = v
	}
	return status, body
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// pageError shows an error page for a dashboard request.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := appError(err)
	status := statusOf(e.Code)
	switch {
	case e.Code == proctor.CodeStorageFull:
		s.storage.refused(err)
	case status >= 500:
		s.Log.Error("page error", "id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	p := page{Title: http.StatusText(status), Data: errorView{Message: e.Message, RequestID: requestID(r.Context()), Back: backLink(r, s.BaseURL)}}
	if v, ok := r.Context().Value(ctxUser).(*viewer); ok {
		p.User, p.CSRF = v.User, v.CSRF
	}
	s.render(w, r, status, "error", p)
}

// errorView is an error page: what went wrong, the request to quote, and
// the page the browser came from on this site (a way back).
type errorView struct {
	Message, RequestID, Back string
}

// backLink is the Referer when it is a page of this server (never another
// site's address, nor the page that failed itself).
func backLink(r *http.Request, base string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Path == "" || ref.RequestURI() == r.URL.RequestURI() {
		return ""
	}
	self, err := url.Parse(base)
	if (ref.Host != r.Host && (err != nil || ref.Host != self.Host)) || (ref.Scheme != "http" && ref.Scheme != "https") {
		return ""
	}
	return ref.RequestURI()
}

// notFoundPage answers every path no route serves with the error page,
// keeping the header (and the viewer's name when signed in).
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	if v, err := s.currentViewer(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), ctxUser, v))
	}
	s.pageError(w, r, proctor.E(proctor.CodeNotFound, "there is no page at this address"))
}

// serverError is for failures of the page machinery itself.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("render", "id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	http.Error(w, "internal error (request "+requestID(r.Context())+")", http.StatusInternalServerError)
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v < 0 {
		return 0, proctor.E(proctor.CodeInvalid, "%s must be a whole number, not %q", name, r.PathValue(name))
	}
	return v, nil
}
