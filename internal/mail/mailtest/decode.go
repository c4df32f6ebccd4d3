package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// decode fills Subject and Text from the raw message so tests can compare
// what a reader would see rather than wire encodings. It understands the
// single-part text messages internal/mail sends; anything else is left empty.
func decode(r *Received) {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return
	}
	var words mime.WordDecoder
	if subject, err := words.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		r.Subject = subject
	}
	if mediaType, _, err := mime.ParseMediaType(msg.Header.Get("Content-Type")); err == nil && !strings.HasPrefix(mediaType, "text/") {
		return
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return
	}
	// SMTP bodies travel with CRLF line ends; tests compare against Go strings.
	r.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
}
