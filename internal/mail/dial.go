package mail

import (
	"context"
	"crypto/tls"
	"net"

	gomail "github.com/wneessen/go-mail"
)

// dialer returns the function go-mail connects with, and a function to call
// once the send is over.
//
// go-mail uses its context only while dialling and then relies on I/O
// deadlines, so a cancelled context would not interrupt a server that stalls
// mid-conversation. Our dialer closes the connection as soon as ctx is done,
// which makes every pending read or write fail at once.
//
// It also does implicit TLS itself: go-mail skips its own TLS dialling when a
// dial function is set. Returning a *tls.Conn lets go-mail's SMTP client see
// the connection is encrypted, which its AUTH PLAIN check requires.
func (s *SMTP) dialer(ctx context.Context) (dial gomail.DialContextFunc, stopWatching func()) {
	var stops []func() bool
	dial = func(dialCtx context.Context, network, _ string) (net.Conn, error) {
		// go-mail passes "host:port" built with %s:%d, wrong for IPv6
		// literals; s.addr is built with net.JoinHostPort.
		var d net.Dialer
		conn, err := d.DialContext(dialCtx, network, s.addr)
		if err != nil {
			return nil, err
		}
		stops = append(stops, context.AfterFunc(ctx, func() { _ = conn.Close() }))
		if s.cfg.Security != SecurityTLS {
			return conn, nil
		}
		tlsConn := tls.Client(conn, s.tlsConf)
		if err := tlsConn.HandshakeContext(dialCtx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		return tlsConn, nil
	}
	stopWatching = func() {
		for _, stop := range stops {
			stop()
		}
	}
	return dial, stopWatching
}
