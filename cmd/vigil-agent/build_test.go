package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCrossCompiles builds the agent for every platform it supports from
// this machine, without cgo: the Windows and macOS code is compiled here
// and its parsing unit-tested (internal/agent/desktop); only Linux runs
// for real in the tests.
func TestCrossCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling takes a while")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on the PATH")
	}
	for _, target := range [][2]string{{"linux", "amd64"}, {"windows", "amd64"}, {"darwin", "amd64"}, {"darwin", "arm64"}} {
		t.Run(target[0]+"/"+target[1], func(t *testing.T) {
			cmd := exec.Command(gobin, "build", "-o", filepath.Join(t.TempDir(), "vigil-agent"), ".")
			cmd.Env = append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1], "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
		})
	}
}

func TestTargetArguments(t *testing.T) {
	if s, c, err := target([]string{"vigil-agent://pair?server=https://v.example.edu&code=ABCDEFGH"}); err != nil || s != "https://v.example.edu" || c != "ABCDEFGH" {
		t.Fatalf("link: %q %q %v", s, c, err)
	}
	if s, c, err := target([]string{"https://v.example.edu", "ABCD-EFGH"}); err != nil || s != "https://v.example.edu" || c != "ABCD-EFGH" {
		t.Fatalf("server and code: %q %q %v", s, c, err)
	}
	if _, _, err := target(nil); err == nil {
		t.Fatal("no arguments accepted")
	}
}
