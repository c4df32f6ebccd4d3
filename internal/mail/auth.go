package mail

import (
	"errors"
	"slices"
	"strings"

	"github.com/wneessen/go-mail/smtp"
)

// plainOrLogin authenticates with AUTH PLAIN, or AUTH LOGIN for servers that
// offer only that (some Microsoft ones). go-mail's auto-discovery would also
// try CRAM-MD5, NTLM and SCRAM, which need nothing Vigil has, and it does not
// count implicit TLS done by our own dialer as encrypted; choosing here keeps
// both simple. One value serves one conversation.
type plainOrLogin struct {
	username, password, host string
	allowUnencrypted         bool
	chosen                   smtp.Auth
}

func (a *plainOrLogin) Start(server *smtp.ServerInfo) (string, []byte, error) {
	offers := func(mech string) bool {
		return slices.ContainsFunc(server.Auth, func(m string) bool { return strings.EqualFold(m, mech) })
	}
	switch {
	case offers("PLAIN"):
		a.chosen = smtp.PlainAuth("", a.username, a.password, a.host, a.allowUnencrypted)
	case offers("LOGIN"):
		a.chosen = smtp.LoginAuth(a.username, a.password, a.host, a.allowUnencrypted)
	case len(server.Auth) == 0:
		return "", nil, errors.New("server does not offer AUTH (a username is configured)")
	default:
		return "", nil, errors.New("server offers neither AUTH PLAIN nor AUTH LOGIN: " + strings.Join(server.Auth, " "))
	}
	return a.chosen.Start(server)
}

func (a *plainOrLogin) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}
