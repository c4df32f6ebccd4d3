package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"vigil/internal/mail/mailtest"
)

// parseMessage reads raw message bytes the way a mail reader would.
func parseMessage(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	return msg
}

// TestSendUTF8RoundTrip decodes the received bytes independently of mailtest:
// the subject through MIME encoded-words, the body through its declared
// transfer encoding.
func TestSendUTF8RoundTrip(t *testing.T) {
	subject := "Ihr Export für „Prüfung 3“ ist fertig ✓ 試験"
	text := "Grüße, Élodie!\n\n" +
		"Your evidence export is ready; the link expires in 7 days:\n" +
		"https://vigil.example.org/exports/download?id=3f9c&token=a=b=c\n" +
		strings.Repeat("Ünïcödé line long enough to need soft breaks in quoted-printable. ", 3) + "\n" +
		"trailing spaces   \n" +
		".a line starting with a dot\n"

	srv := mailtest.Start(t, mailtest.Options{TLS: mailtest.TLSStartTLS})
	if err := send(t, configFor(srv, SecurityStartTLS), Message{To: testTo, Subject: subject, Text: text}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.WaitMessages(t, 1, 5*time.Second)[0]

	msg := parseMessage(t, got.Data)
	var words mime.WordDecoder
	gotSubject, err := words.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	if gotSubject != subject {
		t.Errorf("subject = %q, want %q", gotSubject, subject)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	body := io.Reader(msg.Body)
	switch cte := strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if gotText := strings.ReplaceAll(string(raw), "\r\n", "\n"); gotText != text {
		t.Errorf("text = %q\nwant   %q", gotText, text)
	}
	if got.Subject != subject || got.Text != text {
		t.Errorf("mailtest decoded subject %q, text %q", got.Subject, got.Text)
	}
}
