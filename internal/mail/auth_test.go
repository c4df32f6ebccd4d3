package mail

import (
	"strings"
	"testing"

	"github.com/wneessen/go-mail/smtp"
)

// The test server offers only PLAIN; LOGIN-only servers exist (some
// Microsoft ones), so the choice is checked here directly.
func TestPlainOrLoginChoosesMechanism(t *testing.T) {
	tests := []struct {
		offered []string
		want    string // mechanism, or a phrase of the error
	}{
		{[]string{"CRAM-MD5", "PLAIN", "LOGIN"}, "PLAIN"},
		{[]string{"login"}, "LOGIN"},
		{[]string{"CRAM-MD5"}, "neither AUTH PLAIN nor AUTH LOGIN"},
		{nil, "does not offer AUTH"},
	}
	for _, tc := range tests {
		auth := &plainOrLogin{username: "u", password: "p", host: "smtp.example.org"}
		mech, _, err := auth.Start(&smtp.ServerInfo{Name: "smtp.example.org", TLS: true, Auth: tc.offered})
		got := mech
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("offered %q: got %q, want %q", tc.offered, got, tc.want)
		}
	}
}

func TestPlainOrLoginRefusesClearText(t *testing.T) {
	// Defence in depth behind Validate: go-mail's mechanisms refuse to send
	// the password over an unencrypted connection to a remote host.
	auth := &plainOrLogin{username: "u", password: "p", host: "smtp.example.org"}
	if _, _, err := auth.Start(&smtp.ServerInfo{Name: "smtp.example.org", TLS: false, Auth: []string{"PLAIN"}}); err == nil {
		t.Error("PLAIN started without TLS")
	}
}
