package mail

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"
)

// Security modes for SMTPConfig.Security.
const (
	// SecurityNone sends everything in clear text: only for a relay on the
	// same host or a trusted private network.
	SecurityNone = "none"
	// SecurityStartTLS connects in clear text and requires the server to
	// upgrade with STARTTLS before anything else is sent (usually port 587).
	SecurityStartTLS = "starttls"
	// SecurityTLS speaks TLS from the first byte (implicit TLS, port 465).
	SecurityTLS = "tls"
)

// DefaultTimeout bounds a whole Send when SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig says how to reach the operator's SMTP server.
type SMTPConfig struct {
	Host string
	// Port defaults, when zero, to the usual port for Security: 25 for
	// "none", 587 for "starttls", 465 for "tls".
	Port int
	// Security is SecurityNone, SecurityStartTLS or SecurityTLS.
	Security string
	// Username and Password enable AUTH (PLAIN, or LOGIN for servers that
	// offer only that). Both or neither.
	Username, Password string
	// From is the sender, "noreply@example.org" or "Vigil <noreply@example.org>".
	From string
	// Timeout bounds one Send from dial to QUIT; zero means DefaultTimeout.
	Timeout time.Duration
	// RootCAs verifies the server certificate; nil means the system roots.
	RootCAs *x509.CertPool
}

// Validate reports every problem with the configuration at once, so an
// operator can fix a config file in one pass. Its errors are permanent (see
// IsPermanent) and never contain the password.
func (c SMTPConfig) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	switch {
	case c.Host == "":
		add("host is empty")
	case strings.ContainsAny(c.Host, " \t\r\n/[]"):
		add("host %q is not a host name or IP address (IPv6 addresses go without brackets)", c.Host)
	default:
		if _, _, err := net.SplitHostPort(c.Host); err == nil {
			add("host %q includes a port; set the port separately", c.Host)
		}
	}
	if c.Port < 0 || c.Port > 65535 {
		add("port %d is not between 1 and 65535", c.Port)
	}
	switch c.Security {
	case SecurityNone, SecurityStartTLS, SecurityTLS:
	case "":
		add("security mode is empty: choose %q, %q or %q", SecurityStartTLS, SecurityTLS, SecurityNone)
	default:
		add("security mode %q is unknown: choose %q, %q or %q", c.Security, SecurityStartTLS, SecurityTLS, SecurityNone)
	}
	switch {
	case c.Username != "" && c.Password == "":
		add("username is set but password is empty")
	case c.Username == "" && c.Password != "":
		add("password is set but username is empty")
	case c.Username != "" && c.Security == SecurityNone && !isLoopback(c.Host):
		add("refusing to send the password unencrypted to %q: use security %q or %q, or a relay on loopback", c.Host, SecurityStartTLS, SecurityTLS)
	}
	if c.From == "" {
		add("from address is empty")
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		add("from %q is not an email address (%v)", c.From, err)
	}
	if c.Timeout < 0 {
		add("timeout %v is negative", c.Timeout)
	}

	if len(problems) == 0 {
		return nil
	}
	return permanent(fmt.Errorf("mail: invalid SMTP configuration: %s", strings.Join(problems, "; ")))
}

// port is the configured port or the conventional one for the security mode.
func (c SMTPConfig) port() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.Security {
	case SecurityTLS:
		return 465
	case SecurityStartTLS:
		return 587
	default:
		return 25
	}
}

func (c SMTPConfig) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// isLoopback reports whether host names this machine: only then can a clear
// text password not be read off the network.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
