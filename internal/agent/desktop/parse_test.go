package desktop

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func TestNamesFromPaths(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Program Files\Zoom\bin\Zoom.exe`: "Zoom.exe",
		"/usr/lib/chromium/chromium":         "chromium",
		"discord":                            "discord",
		"":                                   "",
	} {
		if got := exeName(in); got != want {
			t.Errorf("exeName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/usr/share/discord/Discord\x00--type=renderer\x00": "Discord",
		"/usr/bin/python3 /opt/tool.py":                     "python3",
		"":                                                  "",
		"-bash\x00":                                         "",
	} {
		if got := argv0Name([]byte(in)); got != want {
			t.Errorf("argv0Name(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVirtualMachineSigns(t *testing.T) {
	if got := vmVendor("Dell Inc.", "innotek GmbH"); got != "innotek GmbH" {
		t.Errorf("vmVendor = %q", got)
	}
	if got := vmVendor("LENOVO", "20XW", "Intel Corp."); got != "" {
		t.Errorf("a laptop reads as %q", got)
	}
	if got := windowsVM("Microsoft Corporation", "Virtual Machine"); got == "" {
		t.Error("Hyper-V not seen")
	}
	if got := windowsVM("HP", "EliteBook 840"); got != "" {
		t.Errorf("a laptop reads as %q", got)
	}
	for model, want := range map[string]bool{"VMware7,1": true, "Parallels-ARM": true, "VirtualMac2,1": true, "MacBookPro18,1": false} {
		if got := darwinVM(model, false) != ""; got != want {
			t.Errorf("darwinVM(%q) = %v", model, got)
		}
	}
	if darwinVM("MacBookAir10,1", true) == "" {
		t.Error("kern.hv_vmm_present not seen")
	}
	if !cpuHypervisor("processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n") || cpuHypervisor("flags\t: fpu vme sse2\n") {
		t.Error("cpuinfo hypervisor flag misread")
	}
}

func TestDarwinParsing(t *testing.T) {
	if !strings.Contains(frontmostScript, "frontmost is true") || !strings.Contains(frontmostScript, "& tab &") {
		t.Error("the script no longer asks for the front app and window, tab-separated")
	}
	w := parseFrontmost("Discord\t#exam-answers\n")
	if w.App != "Discord" || w.Title != "#exam-answers" {
		t.Errorf("parseFrontmost = %+v", w)
	}
	if w := parseFrontmost("Finder\t\n"); w.App != "Finder" || w.Title != "" {
		t.Errorf("no window: %+v", w)
	}
	n, err := countDisplays([]byte(`{"SPDisplaysDataType":[{"sppci_model":"Apple M1","spdisplays_ndrvs":[{"_name":"Color LCD"},{"_name":"DELL U2720Q"}]},{"sppci_model":"eGPU"}]}`))
	if err != nil || n != 2 {
		t.Errorf("countDisplays = %d, %v", n, err)
	}
	if _, err := countDisplays([]byte("not json")); err == nil {
		t.Error("bad system_profiler output accepted")
	}
}

func TestUTF16(t *testing.T) {
	buf := append(utf16.Encode([]rune("Zoom – 会议 🎓.exe")), 0, 'x')
	if got := utf16String(buf); got != "Zoom – 会议 🎓.exe" {
		t.Errorf("utf16String = %q", got)
	}
}
