//go:build darwin

package desktop

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// darwin uses sysctl for processes and the virtual-machine signs (no cgo),
// and asks macOS's own tools for the app in front (osascript, System
// Events) and the displays (system_profiler).
type darwin struct{}

// New returns the reader for this computer.
func New() (Reader, error) { return darwin{}, nil }

func (darwin) Processes() ([]string, error) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, fmt.Errorf("desktop: process list: %w", err)
	}
	names := make([]string, 0, len(procs))
	for i := range procs {
		names = append(names, unix.ByteSliceToString(procs[i].Proc.P_comm[:]))
	}
	return unique(names), nil
}

func run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).Output()
}

func (darwin) Foreground() (Window, error) {
	out, err := run("/usr/bin/osascript", "-e", frontmostScript)
	if err != nil {
		return Window{}, fmt.Errorf("%w: osascript: %v", ErrNoDisplay, err)
	}
	return parseFrontmost(string(out)), nil
}

func (darwin) Displays() (int, error) {
	out, err := run("/usr/sbin/system_profiler", "SPDisplaysDataType", "-json")
	if err != nil {
		return 0, fmt.Errorf("desktop: system_profiler: %w", err)
	}
	return countDisplays(out)
}

func (darwin) VirtualMachine() (string, error) {
	model, _ := unix.Sysctl("hw.model")
	hv, err := unix.SysctlUint32("kern.hv_vmm_present")
	return darwinVM(strings.TrimSpace(model), err == nil && hv == 1), nil
}

func (darwin) Close() error { return nil }
