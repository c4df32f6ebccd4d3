package mail

import "context"

// Message is one plain-text email to a single recipient.
type Message struct {
	To      string // one address, "user@example.org" or "Name <user@example.org>"
	Subject string
	Text    string // UTF-8 body
}

// Sender delivers messages. Implementations return errors that IsPermanent
// can classify, so a job knows whether to retry.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
