// Package mail sends Vigil's few plain-text notices, such as "your evidence
// export is ready", through an SMTP server the operator already runs.
//
// Self-hosters bring their own relay (a university's submission server, a
// transactional provider, a local Postfix), so the package speaks standard
// SMTP with STARTTLS or implicit TLS rather than any vendor API, refuses to
// send credentials in clear text to anything but loopback, and tells callers
// through IsPermanent whether a failed send is worth retrying.
package mail
