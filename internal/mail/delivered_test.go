package mail

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// hangUpAfterDataServer accepts one message and drops the connection right
// after "250" to the data, before RSET and QUIT, as a relay restarting at the
// wrong moment would. It reports the number of messages it accepted.
func hangUpAfterDataServer(t *testing.T) (addr *net.TCPAddr, accepted <-chan int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	count := make(chan int, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		reply := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
		reply("220 localhost ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
			case "EHLO":
				reply("250-localhost\r\n250 8BITMIME")
			case "DATA":
				reply("354 go ahead")
				for {
					if line, err = r.ReadString('\n'); err != nil || line == ".\r\n" {
						break
					}
				}
				reply("250 2.0.0 queued")
				count <- 1
				return // hang up
			default: // MAIL, RCPT, NOOP
				reply("250 ok")
			}
		}
	}()
	return l.Addr().(*net.TCPAddr), count
}

func TestSendCountsAcceptedMessageAsSentDespiteHangUp(t *testing.T) {
	addr, accepted := hangUpAfterDataServer(t)
	cfg := SMTPConfig{Host: addr.IP.String(), Port: addr.Port, Security: SecurityNone, From: testFrom, Timeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := newSender(t, cfg).Send(ctx, exportReady()); err != nil {
		t.Errorf("Send = %v; the server accepted the message, so a retry would duplicate it", err)
	}
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("server never received the message")
	}
}
