package mail

import (
	"context"
	"errors"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// IsPermanent reports whether err means that sending the same message again
// will fail the same way: the server answered 5xx (for example 550, the
// recipient does not exist, or 535, bad credentials), or the configuration or
// message is invalid. Connection failures, timeouts, cancellation, 4xx answers
// and anything unrecognised are not permanent, so a caller retries them;
// retrying a lost cause costs a few attempts, while giving up on a passing
// outage loses the email.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	code := replyCode(err)
	return code >= 500 && code <= 599
}

// replyCode finds the SMTP reply code inside err, or 0. go-mail reports
// rejections during the conversation (MAIL, RCPT, DATA) as a *SendError that
// does not unwrap to the server's reply but records its code, and rejections
// while connecting (greeting, EHLO, AUTH) as a wrapped *textproto.Error.
func replyCode(err error) int {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) && sendErr.ErrorCode() != 0 {
		return sendErr.ErrorCode()
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code
	}
	return 0
}

// permanentError marks errors that no retry can fix: bad configuration, an
// invalid message.
type permanentError struct{ err error }

func permanent(err error) error { return &permanentError{err} }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// redactedError hides a secret that may have found its way into an error
// message (a server echoing a command, a library being too helpful) while
// keeping the chain for errors.Is, errors.As and IsPermanent.
type redactedError struct {
	msg string
	err error
}

func redact(err error, secret string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "[REDACTED]")
	}
	return &redactedError{msg: msg, err: err}
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
