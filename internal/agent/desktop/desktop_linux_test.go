//go:build linux

package desktop

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func write(t *testing.T, root, name, data string) {
	t.Helper()
	p := filepath.Join(root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLinuxProcAndFirmware reads processes and VM signs from a made-up
// /proc and /sys.
func TestLinuxProcAndFirmware(t *testing.T) {
	root := t.TempDir()
	write(t, root, "proc/12/cmdline", "/usr/share/discord/Discord\x00--type=zygote\x00")
	write(t, root, "proc/12/comm", "Discord\n")
	write(t, root, "proc/40/cmdline", "")
	write(t, root, "proc/40/comm", "kworker/0:1\n")
	write(t, root, "proc/77/comm", "telegram-deskto\n")
	write(t, root, "proc/self/comm", "not a pid\n")
	write(t, root, "proc/cpuinfo", "flags\t: fpu sse2\n")
	l := &linux{root: root}
	names, err := l.Processes()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Discord", "kworker/0:1", "telegram-deskto"}) {
		t.Fatalf("processes %q", names)
	}
	if vm, _ := l.VirtualMachine(); vm != "" {
		t.Fatalf("a plain computer reads as VM %q", vm)
	}
	write(t, root, "sys/class/dmi/id/sys_vendor", "QEMU\n")
	if vm, _ := l.VirtualMachine(); vm != "QEMU" {
		t.Fatalf("VM sign %q, want QEMU", vm)
	}
}
