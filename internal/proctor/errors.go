// Package proctor holds Vigil's domain vocabulary: courses, exams and their
// settings, proctored sessions and what is captured in them, the signals the
// detectors derive, and the violations the rules decide. It does no I/O.
package proctor

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients branch on it, so a
// code never changes meaning once published (docs/API.md lists them).
type Code string

// Error codes shared by the API, the dashboard and the CLI.
const (
	CodeInvalid          Code = "invalid_request"   // a field is missing or out of range
	CodeMalformedJSON    Code = "malformed_json"    // the body is not the JSON asked for
	CodeUnauthenticated  Code = "invalid_token"     // no token, or one Vigil does not know
	CodeForbidden        Code = "forbidden"         // a known caller asking for what it may not
	CodeNotFound         Code = "not_found"         // no such thing (or not visible to the caller)
	CodeTooLarge         Code = "body_too_large"    // the body is over the endpoint's limit
	CodeNotJPEG          Code = "not_jpeg"          // an image upload that is not a decodable JPEG
	CodeNotWebM          Code = "not_webm"          // a first video chunk without a WebM header
	CodeUnsupportedMedia Code = "unsupported_media" // wrong Content-Type
	CodeSequenceGap      Code = "sequence_gap"      // an upload skipped sequence numbers
	CodeSequenceConflict Code = "sequence_conflict" // a sequence number reused with other content
	CodeSessionClosed    Code = "session_closed"    // an upload after finish, or to an expired session
	CodeIncomplete       Code = "incomplete"        // finish while acknowledged items are missing
	CodeRateLimited      Code = "rate_limited"      // too many requests; retry after a pause
	CodeBadTimestamp     Code = "bad_timestamp"     // a capture time outside the session's window
	CodeConflict         Code = "conflict"          // the state does not allow this now
	CodeGone             Code = "gone"              // it existed but was deleted (media under the retention policy)
	CodeInternal         Code = "internal"          // our fault; the message is generic
	CodeUnavailable      Code = "unavailable"       // shutting down or overloaded; retry
	CodeStorageFull      Code = "storage_full"      // the server's disk is full for now: keep the upload, retry after Retry-After
)

// Error is an error that is safe to show to a user: Message never carries
// secrets or internal detail. Use E to make one and AsError to read one.
type Error struct {
	Code    Code
	Message string
	// Detail is optional structured data for the client (for example the next
	// sequence number expected after a gap). It must be JSON-encodable.
	Detail map[string]any
	err    error // the underlying cause, for logs only
}

func (e *Error) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.err }

// E makes an Error with a code and a user-safe message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying detail key=value for the client.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Detail = make(map[string]any, len(e.Detail)+1)
	for k, v := range e.Detail {
		c.Detail[k] = v
	}
	c.Detail[key] = value
	return &c
}

// Wrap returns a copy of e that records cause for the logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.err = cause
	return &c
}

// AsError returns the *Error in err's chain, or an internal error that hides
// err's text from the user.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "something went wrong on the server", err: err}
}

// CodeOf returns err's code, or "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}
