// Command vigil-agent is Vigil's desktop agent for students: it pairs with
// the proctored session open in the browser and reports, while it lasts,
// the apps the exam's rules look at (docs/COMPANIONS.md).
//
//	vigil-agent https://vigil.example.edu K7QX2M9P
//	vigil-agent 'vigil-agent://pair?server=https://vigil.example.edu&code=K7QX2M9P'
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"vigil/internal/agent"
	"vigil/internal/agent/desktop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage:
  vigil-agent SERVER CODE        the address and the pairing code shown in the proctoring window
  vigil-agent PAIRING-LINK       the vigil-agent://pair?… link from the proctoring window
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	server, code, err := target(args)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, usage)
		return 2
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	paired, err := agent.Pair(ctx, hc, server, code)
	if err != nil {
		fmt.Fprintf(stderr, "Pairing failed: %v\n", err)
		return 1
	}
	reader, err := desktop.New()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer reader.Close()
	a := &agent.Agent{Server: server, Paired: paired, Reader: reader, HTTP: hc, Out: stdout}
	err = a.Run(ctx)
	switch {
	case errors.Is(err, agent.ErrSessionEnded):
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stdout, "Stopped. Nothing it saw is kept on this computer.")
		return 0
	}
	fmt.Fprintln(stderr, err)
	return 1
}

// target reads SERVER CODE or a pairing link.
func target(args []string) (server, code string, err error) {
	switch len(args) {
	case 1:
		return agent.ParseLink(args[0])
	case 2:
		return args[0], args[1], nil
	}
	return "", "", errors.New("give the Vigil address and the pairing code, or the pairing link")
}
