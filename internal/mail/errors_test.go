package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestIsPermanentClassifies covers replies the test server cannot produce on
// demand (4xx) next to the shapes the integration tests already see.
func TestIsPermanentClassifies(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"550 reply", &textproto.Error{Code: 550, Msg: "5.1.1 no such user"}, true},
		{"wrapped 554 reply", fmt.Errorf("dial failed: %w", &textproto.Error{Code: 554, Msg: "go away"}), true},
		{"451 reply", &textproto.Error{Code: 451, Msg: "4.3.0 try again later"}, false},
		{"421 reply", fmt.Errorf("x: %w", &textproto.Error{Code: 421, Msg: "shutting down"}), false},
		{"connection refused", refused, false},
		{"cancelled", context.Canceled, false},
		{"cancelled while a 5xx was read", fmt.Errorf("%w (%w)", context.Canceled, &textproto.Error{Code: 550}), false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"invalid config", permanent(errors.New("bad")), true},
		{"unknown", errors.New("something odd"), false},
	}
	for _, tc := range tests {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("%s: IsPermanent(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestRedactHidesPasswordButKeepsChain(t *testing.T) {
	inner := &textproto.Error{Code: 535, Msg: "5.7.8 bad credentials for hunter2"}
	err := redact(fmt.Errorf("mail: send: %w", inner), "hunter2")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("password in %q", err)
	}
	var reply *textproto.Error
	if !errors.As(err, &reply) || !IsPermanent(err) {
		t.Error("redaction lost the reply code")
	}
}
