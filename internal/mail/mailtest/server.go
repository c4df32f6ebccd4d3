// Package mailtest runs a real SMTP server in the test process, so mail code
// is tested over the wire (TLS, AUTH, rejections) instead of against a mock
// that agrees with whatever the client does.
package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"vigil/internal/testwait"
)

// TLS modes for Options.TLS.
const (
	TLSNone     = "none"     // plain text only; STARTTLS is not offered
	TLSStartTLS = "starttls" // plain text that offers STARTTLS
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS)
)

// Options configure a test server. The zero value is a plain-text server that
// accepts every message without authentication.
type Options struct {
	// Addr is "host:port" to listen on; empty means 127.0.0.1 on a random
	// port. Set it to a closed server's Addr() to restart on the same address
	// (a restarted TLS server has a new certificate: use its RootCAs).
	Addr string
	// TLS is TLSNone (the default when empty), TLSStartTLS or TLSImplicit.
	TLS string
	// Username and Password, when set, make AUTH PLAIN required before MAIL.
	// Without TLS the server allows AUTH anyway; it only listens on loopback.
	Username, Password string
	// RejectRecipients are answered with 550 at RCPT TO.
	RejectRecipients []string
}

// Received is one message the server accepted.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Data    []byte   // the message as sent after DATA, headers included
	Subject string   // decoded Subject header
	Text    string   // decoded body with "\n" line ends
}

// Server is a running test SMTP server.
type Server struct {
	opts     Options
	listener net.Listener
	smtp     *smtp.Server
	rootCAs  *x509.CertPool

	mu       sync.Mutex
	messages []Received
	closed   bool
}

// Start listens and serves until the test ends (or Close). It fails the test
// if the server cannot start.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.TLS == "" {
		o.TLS = TLSNone
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	s := &Server{opts: o}
	s.smtp = smtp.NewServer(backend{s})
	s.smtp.Domain = "localhost"
	// Bound every read and write so a confused client cannot hang a test.
	s.smtp.ReadTimeout = 10 * time.Second
	s.smtp.WriteTimeout = 10 * time.Second
	s.smtp.ErrorLog = &testLogger{t: t, server: s}

	var tlsConfig *tls.Config
	switch o.TLS {
	case TLSNone:
		// Credentials in clear text are acceptable here: loopback, test data.
		s.smtp.AllowInsecureAuth = true
	case TLSStartTLS, TLSImplicit:
		cert, pool, err := selfSignedCert()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.rootCAs = pool
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.TLS == TLSStartTLS {
			s.smtp.TLSConfig = tlsConfig // go-smtp offers STARTTLS when this is set
		}
	default:
		t.Fatalf("mailtest: unknown TLS mode %q (want %q, %q or %q)", o.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}

	listener, err := net.Listen("tcp", o.Addr)
	if err != nil {
		t.Fatalf("mailtest: listen on %s: %v", o.Addr, err)
	}
	if o.TLS == TLSImplicit {
		listener = tls.NewListener(listener, tlsConfig)
	}
	s.listener = listener
	go func() { _ = s.smtp.Serve(listener) }()
	t.Cleanup(s.Close)
	return s
}

// Addr is the "host:port" the server listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Host is the IP address the server listens on.
func (s *Server) Host() string { return s.listener.Addr().(*net.TCPAddr).IP.String() }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

// RootCAs trusts the server's self-signed certificate; nil for TLSNone.
func (s *Server) RootCAs() *x509.CertPool { return s.rootCAs }

// Close stops listening and drops open connections. It is safe to call more
// than once; Start already registers it with t.Cleanup.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	_ = s.smtp.Close()
	// Serve may not have registered the listener with go-smtp yet.
	_ = s.listener.Close()
}

// Messages returns the messages accepted so far, oldest first. They are
// copies: a test may modify them without affecting later calls.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.messages))
	for i, m := range s.messages {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// WaitMessages waits (testwait) until at least n messages have arrived and
// returns them; it fails the test if that takes longer than timeout.
// Polling keeps the server free of waiter bookkeeping.
func (s *Server) WaitMessages(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	return testwait.For(t, fmt.Sprintf("mailtest: %d messages (those arrived)", n), timeout, func() ([]Received, bool) {
		got := s.Messages()
		return got, len(got) >= n
	})
}

func (s *Server) store(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, r)
}

func (s *Server) rejects(recipient string) bool {
	return slices.Contains(s.opts.RejectRecipients, recipient)
}

// testLogger sends go-smtp's connection errors (say, a client rejecting the
// certificate) to the test log while the server runs, which is where one looks
// when a test fails. After Close it drops them: logging after a test has
// finished panics. Holding the lock while logging means Close cannot slip in
// between the check and the write.
type testLogger struct {
	t      testing.TB
	server *Server
}

func (l *testLogger) Printf(format string, v ...any) {
	l.server.mu.Lock()
	defer l.server.mu.Unlock()
	if !l.server.closed {
		l.t.Logf("mailtest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.server.mu.Lock()
	defer l.server.mu.Unlock()
	if !l.server.closed {
		l.t.Log(append([]any{"mailtest:"}, v...)...)
	}
}
