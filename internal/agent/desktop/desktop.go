// Package desktop reads what the desktop agent reports from the computer:
// the names of running processes, the app in front and its window title,
// how many displays are connected, and signs of a virtual machine. Each
// platform has its own file (desktop_linux.go, desktop_windows.go,
// desktop_darwin.go); the parsing they share is portable and tested on
// every platform. Nothing here writes to disk.
package desktop

import (
	"errors"
	"path"
	"strings"
)

// Window is the app in front: its process (or app) name and the title of
// its window.
type Window struct {
	App   string
	Title string
}

// Reader reads the computer's state. Each call is a fresh look; none
// remembers anything between calls but its connection to the display.
type Reader interface {
	// Processes lists the names of running processes, each once.
	Processes() ([]string, error)
	// Foreground is the app whose window has the focus.
	Foreground() (Window, error)
	// Displays counts the connected displays (monitors).
	Displays() (int, error)
	// VirtualMachine names a sign that the computer is a virtual machine
	// ("" when none is seen).
	VirtualMachine() (string, error)
	Close() error
}

// ErrNoDisplay: the app in front cannot be read (no X display on Linux,
// for instance a Wayland session without XWayland).
var ErrNoDisplay = errors.New("desktop: no display to read the app in front from")

// exeName is a program's name from its path, on any platform's separators:
// "C:\Program Files\Zoom\bin\Zoom.exe" → "Zoom.exe".
func exeName(p string) string {
	p = strings.TrimSpace(strings.ReplaceAll(p, `\`, "/"))
	if p == "" {
		return ""
	}
	return path.Base(p)
}

// argv0Name is the program name a process was started as, from the
// NUL-separated /proc/<pid>/cmdline; "" when there is none.
func argv0Name(cmdline []byte) string {
	first, _, _ := strings.Cut(string(cmdline), "\x00")
	first, _, _ = strings.Cut(first, " ") // a process that rewrote its title
	if first == "" || strings.HasPrefix(first, "-") {
		return ""
	}
	return exeName(first)
}

// vmVendors are words in firmware (DMI/SMBIOS) strings that only virtual
// machines and cloud instances write.
var vmVendors = []string{
	"qemu", "kvm", "vmware", "virtualbox", "innotek", "xen", "bochs", "parallels", "bhyve",
	"virtual machine", "hyper-v", "google compute engine", "openstack", "utm",
}

// vmVendor returns the first firmware string that names a virtual machine.
func vmVendor(fields ...string) string {
	for _, f := range fields {
		low := strings.ToLower(f)
		for _, v := range vmVendors {
			if strings.Contains(low, v) {
				return strings.TrimSpace(f)
			}
		}
	}
	return ""
}

// cpuHypervisor reports whether /proc/cpuinfo's flags include
// "hypervisor", which the CPU sets when running under one.
func cpuHypervisor(cpuinfo string) bool {
	for _, line := range strings.Split(cpuinfo, "\n") {
		name, flags, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(name) == "flags" {
			return strings.Contains(" "+flags+" ", " hypervisor ")
		}
	}
	return false
}

// unique returns names without empties and repeats, in first-seen order.
func unique(names []string) []string {
	seen := map[string]bool{}
	out := names[:0]
	for _, n := range names {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
