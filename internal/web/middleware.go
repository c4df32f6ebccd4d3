package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"vigil/internal/metrics"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxClientIP
	ctxUser
)

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id (echoed in X-Request-Id and in error
// bodies) and writes one log line per request, without secrets.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), ctxRequestID, id)
		r = r.WithContext(context.WithValue(ctx, ctxClientIP, clientIP(r, s.TrustedProxies)))
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		kind := metrics.UploadKind(r)
		s.Metrics.MeasureUpload(kind, r.ContentLength, func() int {
			next.ServeHTTP(sw, r)
			return sw.status
		})
		if kind != "" && sw.status/100 == 2 {
			s.storage.accepted()
		}
		s.observeAPI(r, sw.status, time.Since(start))
		level := slog.LevelInfo
		if sw.status >= 500 && sw.status != http.StatusInsufficientStorage { // a full disk is logged once, not per request
			level = slog.LevelError
		} else if strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/media/") || r.URL.Path == "/healthz" ||
			r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		s.Log.Log(r.Context(), level, "http", "id", id, "method", r.Method, "path", redactPath(r.URL.Path),
			"status", sw.status, "bytes", sw.bytes, "ms", time.Since(start).Milliseconds(), "remote", remoteIP(r))
	})
}

// redactPath hides tokens carried in URLs (one-time sign-in links,
// students' session links).
func redactPath(p string) string {
	for _, prefix := range []string{"/signin/link/", "/s/", "/lti/handoff/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "[redacted]"
		}
	}
	return p
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// remoteIP is the client's address for the audit log. Vigil trusts no proxy
// headers unless it is told it is behind one (a later setting).
func remoteIP(r *http.Request) string {
	if ip, ok := r.Context().Value(ctxClientIP).(string); ok {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientIP is the address of the client: the peer, or — when the peer is
// one of the trusted proxies (the load balancer) — the last address in
// X-Forwarded-For that is not a trusted proxy. Addresses a client writes
// into the header itself come before those and are never believed.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerIP(r)
	if !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break
		}
		if !isTrusted(hop, trusted) {
			return hop
		}
	}
	return peer
}

func isTrusted(ip string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// recoverPanics turns a handler panic into a 500 and a log line with the
// stack, instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "id", requestID(r.Context()), "panic", v, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders: no inline script, no sniffing, and no framing except
// by the LMSs registered with Vigil (LTI launches open in their frames).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp(r, ""))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// csp is the Content-Security-Policy; formTarget, when set, is one more
// origin forms may post to (a platform receiving a signed message).
func (s *Server) csp(r *http.Request, formTarget string) string {
	forms := "'self'"
	if formTarget != "" {
		forms += " " + formTarget
	}
	media := "'self'"
	if s.MediaDirect && s.mediaOrigin != "" {
		media += " " + s.mediaOrigin
	}
	return "default-src 'self'; img-src " + media + " data: blob:; media-src " + media + " blob:; style-src 'self'; script-src 'self'; " +
		"object-src 'none'; base-uri 'none'; frame-ancestors " + s.frameAncestors(r) + "; form-action " + forms
}
