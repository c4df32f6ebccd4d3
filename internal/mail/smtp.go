package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends messages through one SMTP server, opening a fresh connection per
// message: notices are rare, and a pooled connection would only add idle
// timeouts to handle. It is safe for concurrent use.
type SMTP struct {
	cfg     SMTPConfig
	addr    string // host:port, IPv6-safe
	from    *mail.Address
	idHost  string // right-hand side of Message-IDs: the sender's domain
	tlsConf *tls.Config
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and returns a sender for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(cfg.From) // cannot fail after Validate
	if err != nil {
		return nil, permanent(fmt.Errorf("mail: from: %w", err))
	}
	return &SMTP{
		cfg:    cfg,
		addr:   net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.port())),
		from:   from,
		idHost: from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		tlsConf: &tls.Config{
			ServerName: cfg.Host,
			RootCAs:    cfg.RootCAs,
			MinVersion: tls.VersionTLS12,
		},
	}, nil
}

// Send delivers m, returning once the server has accepted it. It gives up
// when ctx is done or SMTPConfig.Timeout has passed, whichever is first,
// closing the connection at once even in the middle of a reply.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout())
	defer cancel()
	if err := ctx.Err(); err != nil {
		return s.fail(m, err)
	}

	dial, stopWatching := s.dialer(ctx)
	defer stopWatching()
	client, err := gomail.NewClient(s.cfg.Host, s.clientOptions(dial)...)
	if err != nil {
		return s.fail(m, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server accepted the message; only RSET or QUIT failed
			// afterwards. go-mail still returns an error, and a caller that
			// retried it would send the email twice.
			return nil
		}
		if ctxErr := contextDone(ctx); ctxErr != nil {
			// The real cause; the I/O error is only its consequence.
			return s.fail(m, fmt.Errorf("%w (%w)", ctxErr, err))
		}
		return s.fail(m, err)
	}
	return nil
}

// contextDone is ctx.Err(), except that it also reports a deadline that has
// passed but whose timer has not fired yet: go-mail's I/O deadlines equal our
// timeout, so its "i/o timeout" can win that race by microseconds.
func contextDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// fail adds which message and server to err and removes the password from it.
func (s *SMTP) fail(m Message, err error) error {
	return redact(fmt.Errorf("mail: send to %s via %s: %w", m.To, s.addr, err), s.cfg.Password)
}

// build turns m into a go-mail message with the headers every mail needs.
func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, permanent(fmt.Errorf("mail: recipient %q is not one email address (%v)", m.To, err))
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, permanent(errors.New("mail: subject contains a line break"))
	}
	// go-mail defaults to UTF-8 and quoted-printable, which is what we want
	// for text that is mostly ASCII. Its default User-Agent would advertise
	// the library and version to every recipient; leave it out.
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDate()
	// go-mail's own Message-ID ends in this machine's host name, in a
	// container a meaningless ID; the sender's domain says who made it.
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.idHost)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// clientOptions configures go-mail for s.cfg. TLS is done by our dialer for
// implicit TLS and by go-mail (required STARTTLS) otherwise.
func (s *SMTP) clientOptions(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.port()),
		gomail.WithTimeout(s.cfg.timeout()),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(s.tlsConf),
	}
	if s.cfg.Security == SecurityStartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuthCustom(&plainOrLogin{
			username: s.cfg.Username,
			password: s.cfg.Password,
			host:     s.cfg.Host,
			// Validate allows this only for loopback hosts.
			allowUnencrypted: s.cfg.Security == SecurityNone,
		}))
	}
	return opts
}
