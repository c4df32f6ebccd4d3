package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"vigil/internal/mail/mailtest"
)

const (
	testFrom     = "noreply@vigil.test"
	testTo       = "student@example.org"
	testUser     = "vigil"
	testPassword = "s3cret-Pa55word"
)

// configFor points a sender at srv. The short timeout keeps a broken test
// from hanging; loopback answers in microseconds.
func configFor(srv *mailtest.Server, security string) SMTPConfig {
	return SMTPConfig{
		Host:     srv.Host(),
		Port:     srv.Port(),
		Security: security,
		From:     "Vigil <" + testFrom + ">",
		Timeout:  5 * time.Second,
		RootCAs:  srv.RootCAs(),
	}
}

func newSender(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func send(t *testing.T, cfg SMTPConfig, m Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return newSender(t, cfg).Send(ctx, m)
}

func exportReady() Message {
	return Message{To: testTo, Subject: "Your export is ready", Text: "Download it here: https://vigil.test/e/1\n"}
}

func TestSendDeliversInEachSecurityMode(t *testing.T) {
	for _, mode := range []string{SecurityNone, SecurityStartTLS, SecurityTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{TLS: mode})
			if err := send(t, configFor(srv, mode), exportReady()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitMessages(t, 1, 5*time.Second)[0]
			if got.From != testFrom || len(got.To) != 1 || got.To[0] != testTo {
				t.Errorf("envelope = %q -> %q, want %q -> [%q]", got.From, got.To, testFrom, testTo)
			}
			if got.Subject != "Your export is ready" || got.Text != "Download it here: https://vigil.test/e/1\n" {
				t.Errorf("subject %q, text %q", got.Subject, got.Text)
			}
			header := parseMessage(t, got.Data).Header
			for _, name := range []string{"Date", "Message-ID", "From", "To", "Subject"} {
				if header.Get(name) == "" {
					t.Errorf("header %s missing", name)
				}
			}
			if _, err := header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if id := header.Get("Message-ID"); !strings.HasSuffix(id, "@vigil.test>") {
				t.Errorf("Message-ID %q is not at the sender's domain", id)
			}
			if ct := header.Get("Content-Type"); !strings.EqualFold(strings.ReplaceAll(ct, " ", ""), "text/plain;charset=UTF-8") {
				t.Errorf("Content-Type %q", ct)
			}
			if ua := header.Get("User-Agent") + header.Get("X-Mailer"); ua != "" {
				t.Errorf("library advertised to recipients: %q", ua)
			}
		})
	}
}

func TestSendAuthenticates(t *testing.T) {
	// "none" is allowed with a password only because the server is loopback.
	for _, mode := range []string{SecurityNone, SecurityStartTLS, SecurityTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{TLS: mode, Username: testUser, Password: testPassword})
			cfg := configFor(srv, mode)
			cfg.Username, cfg.Password = testUser, testPassword
			if err := send(t, cfg, exportReady()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			srv.WaitMessages(t, 1, 5*time.Second)
		})
	}
}

func TestSendWithoutCredentialsIsRefusedByAuthServer(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: mailtest.TLSStartTLS, Username: testUser, Password: testPassword})
	err := send(t, configFor(srv, SecurityStartTLS), exportReady())
	if err == nil || !IsPermanent(err) {
		t.Fatalf("err = %v, permanent %v; want a permanent 5xx", err, IsPermanent(err))
	}
}

func TestSendWrongPassword(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: mailtest.TLSImplicit, Username: testUser, Password: "the-right-one"})
	cfg := configFor(srv, SecurityTLS)
	cfg.Username, cfg.Password = testUser, testPassword
	err := send(t, cfg, exportReady())
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	t.Logf("error: %v", err)
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("error contains the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error does not carry the server's 535: %v", err)
	}
	if !IsPermanent(err) {
		t.Error("a rejected password is permanent: retrying cannot fix it")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

func TestSendRequiresStartTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: mailtest.TLSNone})
	err := send(t, configFor(srv, SecurityStartTLS), exportReady())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v; want a STARTTLS error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered in clear text", n)
	}
}

func TestSendRejectsUntrustedCertificate(t *testing.T) {
	for _, mode := range []string{SecurityStartTLS, SecurityTLS} {
		t.Run(mode, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.Options{TLS: mode})
			cfg := configFor(srv, mode)
			cfg.RootCAs = nil // system roots do not know the test certificate
			err := send(t, cfg, exportReady())
			var verifyErr *tls.CertificateVerificationError
			if !errors.As(err, &verifyErr) {
				t.Fatalf("err = %v; want a certificate verification error", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages delivered", n)
			}
		})
	}
}

func TestSendServerDown(t *testing.T) {
	// Reserve a port and free it: nothing listens there now.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cfg := SMTPConfig{Host: "127.0.0.1", Port: port, Security: SecurityNone, From: testFrom, Timeout: 5 * time.Second}
	err = send(t, cfg, exportReady())
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if IsPermanent(err) {
		t.Errorf("connection refused must be retried: %v", err)
	}
}

func TestSendRejectedRecipient(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{RejectRecipients: []string{"gone@example.org"}})
	m := exportReady()
	m.To = "gone@example.org"
	err := send(t, configFor(srv, SecurityNone), m)
	if err == nil {
		t.Fatal("Send to a rejected recipient succeeded")
	}
	if !IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Errorf("err = %v, permanent %v; want a permanent 550", err, IsPermanent(err))
	}
}

// stallingServer accepts connections and never answers, like a server behind
// a black-holing firewall or wedged mid-reply.
func stallingServer(t *testing.T) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; conn.Close() }()
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

func TestSendHonoursContext(t *testing.T) {
	t.Run("already cancelled", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.Options{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := newSender(t, configFor(srv, SecurityNone)).Send(ctx, exportReady())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages delivered", n)
		}
	})
	t.Run("cancelled while the server stalls", func(t *testing.T) {
		host, port := stallingServer(t)
		cfg := SMTPConfig{Host: host, Port: port, Security: SecurityNone, From: testFrom, Timeout: time.Minute}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := newSender(t, cfg).Send(ctx, exportReady())
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("Send returned %v after cancel", elapsed)
		}
		if !errors.Is(err, context.Canceled) || IsPermanent(err) {
			t.Errorf("err = %v, permanent %v; want a retryable context.Canceled", err, IsPermanent(err))
		}
	})
}

func TestSendTimeout(t *testing.T) {
	host, port := stallingServer(t)
	cfg := SMTPConfig{Host: host, Port: port, Security: SecurityNone, From: testFrom, Timeout: 300 * time.Millisecond}
	start := time.Now()
	err := newSender(t, cfg).Send(t.Context(), exportReady())
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("Send took %v with a 300ms timeout", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Errorf("err = %v, permanent %v; want a retryable deadline error", err, IsPermanent(err))
	}
}

func TestSendRejectsInvalidMessages(t *testing.T) {
	// No server: an invalid message must fail before any connection.
	cfg := SMTPConfig{Host: "127.0.0.1", Port: 1, Security: SecurityNone, From: testFrom, Timeout: time.Second}
	for name, m := range map[string]Message{
		"empty recipient":      {To: "", Subject: "s", Text: "t"},
		"not an address":       {To: "student at example.org", Subject: "s", Text: "t"},
		"two recipients":       {To: "a@example.org, b@example.org", Subject: "s", Text: "t"},
		"header in subject":    {To: testTo, Subject: "hi\r\nBcc: victim@example.org", Text: "t"},
		"line feed in subject": {To: testTo, Subject: "hi\nthere", Text: "t"},
	} {
		t.Run(name, func(t *testing.T) {
			err := send(t, cfg, m)
			if err == nil || !IsPermanent(err) {
				t.Errorf("err = %v, permanent %v; want a permanent error", err, IsPermanent(err))
			}
		})
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{TLS: mailtest.TLSImplicit, Username: testUser, Password: testPassword})
	cfg := configFor(srv, SecurityTLS)
	cfg.Username, cfg.Password = testUser, testPassword
	sender := newSender(t, cfg)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() { errs <- sender.Send(t.Context(), exportReady()) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	srv.WaitMessages(t, n, 5*time.Second)
}
