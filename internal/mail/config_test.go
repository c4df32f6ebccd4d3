package mail

import (
	"strings"
	"testing"
	"time"
)

func validConfig() SMTPConfig {
	return SMTPConfig{
		Host:     "smtp.example.org",
		Port:     587,
		Security: SecurityStartTLS,
		Username: "vigil",
		Password: "hunter2-secret",
		From:     "Vigil <noreply@example.org>",
		Timeout:  10 * time.Second,
	}
}

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	for name, edit := range map[string]func(*SMTPConfig){
		"as is":                    func(*SMTPConfig) {},
		"bare from address":        func(c *SMTPConfig) { c.From = "noreply@example.org" },
		"no auth":                  func(c *SMTPConfig) { c.Username, c.Password = "", "" },
		"default port and timeout": func(c *SMTPConfig) { c.Port, c.Timeout = 0, 0 },
		"implicit TLS":             func(c *SMTPConfig) { c.Security, c.Port = SecurityTLS, 465 },
		"clear text, no auth":      func(c *SMTPConfig) { c.Security, c.Username, c.Password = SecurityNone, "", "" },
		"clear text auth to localhost": func(c *SMTPConfig) {
			c.Security, c.Host = SecurityNone, "localhost"
		},
		"clear text auth to 127.0.0.1": func(c *SMTPConfig) { c.Security, c.Host = SecurityNone, "127.0.0.1" },
		"clear text auth to ::1":       func(c *SMTPConfig) { c.Security, c.Host = SecurityNone, "::1" },
		"IPv6 host":                    func(c *SMTPConfig) { c.Host = "2001:db8::25" },
	} {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			edit(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestValidateRejectsBadConfigs(t *testing.T) {
	tests := []struct {
		name string
		edit func(*SMTPConfig)
		want string // a phrase the message must contain
	}{
		{"missing host", func(c *SMTPConfig) { c.Host = "" }, "host is empty"},
		{"host with port", func(c *SMTPConfig) { c.Host = "smtp.example.org:587" }, "includes a port"},
		{"host as URL", func(c *SMTPConfig) { c.Host = "smtp://smtp.example.org" }, "not a host name"},
		{"bracketed IPv6", func(c *SMTPConfig) { c.Host = "[::1]" }, "without brackets"},
		{"negative port", func(c *SMTPConfig) { c.Port = -1 }, "port -1"},
		{"port too large", func(c *SMTPConfig) { c.Port = 70000 }, "port 70000"},
		{"empty security", func(c *SMTPConfig) { c.Security = "" }, "security mode is empty"},
		{"unknown security", func(c *SMTPConfig) { c.Security = "ssl" }, `security mode "ssl" is unknown`},
		{"username without password", func(c *SMTPConfig) { c.Password = "" }, "password is empty"},
		{"password without username", func(c *SMTPConfig) { c.Username = "" }, "username is empty"},
		{"clear text password to remote host", func(c *SMTPConfig) { c.Security = SecurityNone }, "refusing to send the password unencrypted"},
		{"missing from", func(c *SMTPConfig) { c.From = "" }, "from address is empty"},
		{"from not an address", func(c *SMTPConfig) { c.From = "Vigil" }, "not an email address"},
		{"from with two addresses", func(c *SMTPConfig) { c.From = "a@example.org, b@example.org" }, "not an email address"},
		{"negative timeout", func(c *SMTPConfig) { c.Timeout = -time.Second }, "timeout -1s is negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate accepted the config")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2-secret") {
				t.Errorf("error contains the password: %q", err)
			}
			if !IsPermanent(err) {
				t.Error("configuration errors must be permanent")
			}
			if _, err := NewSMTP(c); err == nil {
				t.Error("NewSMTP accepted the config")
			}
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	err := SMTPConfig{Port: 99999, Security: "tls13"}.Validate()
	for _, want := range []string{"host is empty", "port 99999", `"tls13" is unknown`, "from address is empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
}

func TestDefaultPortFollowsSecurity(t *testing.T) {
	for security, want := range map[string]int{SecurityNone: 25, SecurityStartTLS: 587, SecurityTLS: 465} {
		if got := (SMTPConfig{Security: security}).port(); got != want {
			t.Errorf("%s: port %d, want %d", security, got, want)
		}
	}
}
