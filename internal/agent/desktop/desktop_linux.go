//go:build linux

package desktop

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// linux reads /proc and /sys under root ("/" except in tests) and the X
// display named by $DISPLAY.
type linux struct {
	root string
	x    *x11
}

// New returns the reader for this computer.
func New() (Reader, error) { return &linux{root: "/"}, nil }

func (l *linux) Processes() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(l.root, "proc"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() {
			names = append(names, l.processNames(pid)...)
		}
	}
	return unique(names), nil
}

// processNames are the names a process goes by: the program it was started
// as and its kernel name (cut to 15 bytes by the kernel).
func (l *linux) processNames(pid int) []string {
	dir := filepath.Join(l.root, "proc", strconv.Itoa(pid))
	var names []string
	if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		names = append(names, argv0Name(b))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil {
		names = append(names, strings.TrimSpace(string(b)))
	}
	return names
}

// processName is the one name a process is reported by.
func (l *linux) processName(pid int) string {
	for _, n := range l.processNames(pid) {
		if n != "" {
			return n
		}
	}
	return ""
}

func (l *linux) display() (*x11, error) {
	if l.x != nil {
		return l.x, nil
	}
	x, err := openX11()
	if err != nil {
		return nil, err
	}
	l.x = x
	return x, nil
}

// Foreground reads the active window through EWMH; a broken connection is
// dropped and opened again on the next call.
func (l *linux) Foreground() (Window, error) {
	x, err := l.display()
	if err != nil {
		return Window{}, err
	}
	w, pid, err := x.active()
	if err != nil {
		l.dropDisplay()
		return Window{}, err
	}
	if pid > 0 {
		if name := l.processName(pid); name != "" {
			w.App = name
		}
	}
	return w, nil
}

func (l *linux) Displays() (int, error) {
	x, err := l.display()
	if err != nil {
		return 0, err
	}
	n, err := x.monitors()
	if err != nil {
		l.dropDisplay()
	}
	return n, err
}

func (l *linux) dropDisplay() {
	if l.x != nil {
		l.x.close()
		l.x = nil
	}
}

// VirtualMachine reads the firmware's strings (DMI) and the CPU's
// hypervisor flag.
func (l *linux) VirtualMachine() (string, error) {
	var fields []string
	for _, f := range []string{"sys_vendor", "product_name", "board_vendor", "bios_vendor"} {
		if b, err := os.ReadFile(filepath.Join(l.root, "sys/class/dmi/id", f)); err == nil {
			fields = append(fields, strings.TrimSpace(string(b)))
		}
	}
	if v := vmVendor(fields...); v != "" {
		return v, nil
	}
	if b, err := os.ReadFile(filepath.Join(l.root, "proc/cpuinfo")); err == nil && cpuHypervisor(string(b)) {
		return "CPU hypervisor flag", nil
	}
	return "", nil
}

func (l *linux) Close() error {
	l.dropDisplay()
	return nil
}
