//go:build windows

package desktop

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// windowsReader uses the Win32 API directly (no cgo): a Toolhelp snapshot
// for processes, user32 for the window in front and the monitors, the
// registry for the firmware's strings.
type windowsReader struct{}

// New returns the reader for this computer.
func New() (Reader, error) { return windowsReader{}, nil }

var (
	user32             = windows.NewLazySystemDLL("user32.dll")
	procGetWindowTextW = user32.NewProc("GetWindowTextW")
	procGetSystemMet   = user32.NewProc("GetSystemMetrics")
)

const smCMonitors = 80 // GetSystemMetrics: number of display monitors

func (windowsReader) Processes() ([]string, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("desktop: process snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	var names []string
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		names = append(names, utf16String(e.ExeFile[:]))
	}
	return unique(names), nil
}

func (windowsReader) Foreground() (Window, error) {
	hwnd := windows.GetForegroundWindow()
	if hwnd == 0 {
		return Window{App: "desktop"}, nil
	}
	buf := make([]uint16, 512)
	n, _, _ := procGetWindowTextW.Call(uintptr(hwnd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	w := Window{Title: utf16String(buf[:n])}
	var pid uint32
	if _, err := windows.GetWindowThreadProcessId(hwnd, &pid); err == nil {
		w.App = processImage(pid)
	}
	return w, nil
}

// processImage is the program file name of a process ("Zoom.exe").
func processImage(pid uint32) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	size := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &size); err != nil {
		return ""
	}
	return exeName(utf16String(buf[:size]))
}

func (windowsReader) Displays() (int, error) {
	n, _, _ := procGetSystemMet.Call(smCMonitors)
	return max(int(n), 1), nil
}

func (windowsReader) VirtualMachine() (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DESCRIPTION\System\BIOS`, registry.QUERY_VALUE)
	if err != nil {
		return "", fmt.Errorf("desktop: firmware strings: %w", err)
	}
	defer k.Close()
	maker, _, _ := k.GetStringValue("SystemManufacturer")
	product, _, _ := k.GetStringValue("SystemProductName")
	return windowsVM(maker, product), nil
}

func (windowsReader) Close() error { return nil }
