package mailtest

import (
	"errors"
	"io"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// backend starts one session per client connection.
type backend struct{ server *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{server: b.server}, nil
}

// session is one SMTP conversation: it remembers the envelope of the message
// in progress and whether the client has authenticated.
type session struct {
	server        *Server
	authenticated bool
	from          string
	to            []string
}

var errRecipientRejected = &smtp.SMTPError{
	Code:         550,
	EnhancedCode: smtp.EnhancedCode{5, 1, 1},
	Message:      "Mailbox unavailable",
}

func (s *session) authRequired() bool { return s.server.opts.Username != "" }

// AuthMechanisms advertises AUTH only when the options ask for credentials.
func (s *session) AuthMechanisms() []string {
	if !s.authRequired() {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if !s.authRequired() || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		opts := s.server.opts
		if identity != "" && identity != username {
			return errors.New("identity differs from username")
		}
		if username != opts.Username || password != opts.Password {
			return smtp.ErrAuthFailed
		}
		s.authenticated = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.authRequired() && !s.authenticated {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.server.rejects(to) {
		return errRecipientRejected
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	received := Received{From: s.from, To: s.to, Data: data}
	decode(&received)
	s.server.store(received)
	return nil
}

// Reset forgets the envelope, as RSET and a finished DATA require.
func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }
