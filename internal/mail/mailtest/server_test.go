package mailtest

import (
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"
)

// sendRaw delivers with the standard library's client, so these tests do not
// depend on the package mailtest exists to test.
func sendRaw(addr, from string, to []string, data string) error {
	return smtp.SendMail(addr, nil, from, to, []byte(data))
}

const rawMessage = "From: a@example.org\r\n" +
	"To: b@example.org\r\n" +
	"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Gr=C3=BC=C3=9Fe, a long line that was soft=\r\n" +
	" broken.\r\n"

func TestServerRecordsAndDecodes(t *testing.T) {
	srv := Start(t, Options{RejectRecipients: []string{"gone@example.org"}})
	if err := sendRaw(srv.Addr(), "a@example.org", []string{"b@example.org"}, rawMessage); err != nil {
		t.Fatal(err)
	}
	err := sendRaw(srv.Addr(), "a@example.org", []string{"gone@example.org"}, rawMessage)
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("rejected recipient: err = %v, want 550", err)
	}

	got := srv.WaitMessages(t, 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1", len(got))
	}
	m := got[0]
	if m.From != "a@example.org" || !slices.Equal(m.To, []string{"b@example.org"}) {
		t.Errorf("envelope %q -> %q", m.From, m.To)
	}
	if m.Subject != "Grüße" || m.Text != "Grüße, a long line that was soft broken.\n" {
		t.Errorf("decoded subject %q, text %q", m.Subject, m.Text)
	}
	got[0].To[0], got[0].Data[0] = "changed", 'X'
	if again := srv.Messages()[0]; again.To[0] == "changed" || again.Data[0] == 'X' {
		t.Error("Messages shares memory with the server's records")
	}
}

func TestServerRestartsOnSameAddress(t *testing.T) {
	first := Start(t, Options{})
	addr := first.Addr()
	first.Close()
	if err := sendRaw(addr, "a@example.org", []string{"b@example.org"}, rawMessage); err == nil {
		t.Fatal("closed server accepted a message")
	}

	second := Start(t, Options{Addr: addr})
	if second.Addr() != addr || second.Host() != "127.0.0.1" || second.Port() == 0 {
		t.Fatalf("restarted at %s (host %s, port %d), want %s", second.Addr(), second.Host(), second.Port(), addr)
	}
	if err := sendRaw(addr, "a@example.org", []string{"b@example.org"}, rawMessage); err != nil {
		t.Fatal(err)
	}
	second.WaitMessages(t, 1, 5*time.Second)
}

func TestServerRequiresAuth(t *testing.T) {
	srv := Start(t, Options{Username: "u", Password: "p"})
	err := sendRaw(srv.Addr(), "a@example.org", []string{"b@example.org"}, rawMessage)
	if err == nil {
		t.Fatal("unauthenticated MAIL accepted")
	}
	// net/smtp sends PLAIN in clear text only to localhost, so dial by name.
	addr := "localhost:" + strings.TrimPrefix(srv.Addr(), "127.0.0.1:")
	if err := smtp.SendMail(addr, smtp.PlainAuth("", "u", "wrong", "localhost"), "a@example.org", []string{"b@example.org"}, []byte(rawMessage)); err == nil {
		t.Error("wrong password accepted")
	}
	if err := smtp.SendMail(addr, smtp.PlainAuth("", "u", "p", "localhost"), "a@example.org", []string{"b@example.org"}, []byte(rawMessage)); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessages(t, 1, 5*time.Second)
}

func TestServerTLSModesOfferTrust(t *testing.T) {
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		srv := Start(t, Options{TLS: mode})
		if srv.RootCAs() == nil {
			t.Errorf("%s: no RootCAs", mode)
		}
	}
	if Start(t, Options{}).RootCAs() != nil {
		t.Error("plain server has RootCAs")
	}
}
