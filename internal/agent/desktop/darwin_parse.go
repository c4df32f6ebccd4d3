package desktop

import (
	"encoding/json"
	"fmt"
	"strings"
)

// frontmostScript asks macOS's System Events for the app in front and its
// front window's title, separated by a tab. Titles need the Accessibility
// permission; without it the title is empty and the app name still comes.
const frontmostScript = `tell application "System Events"
	set p to first application process whose frontmost is true
	set t to ""
	try
		set t to name of front window of p
	end try
	return (name of p) & tab & t
end tell`

// parseFrontmost reads frontmostScript's answer.
func parseFrontmost(out string) Window {
	app, title, _ := strings.Cut(strings.TrimRight(out, "\r\n"), "\t")
	return Window{App: strings.TrimSpace(app), Title: strings.TrimSpace(title)}
}

// countDisplays counts the displays in `system_profiler SPDisplaysDataType
// -json`: every graphics device lists the displays attached to it.
func countDisplays(data []byte) (int, error) {
	var out struct {
		GPUs []struct {
			Displays []json.RawMessage `json:"spdisplays_ndrvs"`
		} `json:"SPDisplaysDataType"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return 0, fmt.Errorf("desktop: system_profiler: %w", err)
	}
	n := 0
	for _, g := range out.GPUs {
		n += len(g.Displays)
	}
	return n, nil
}

// darwinVM names a virtual machine from hw.model ("VMware7,1",
// "Parallels-ARM", "VirtualMac2,1") and kern.hv_vmm_present.
func darwinVM(model string, hvPresent bool) string {
	if v := vmVendor(model); v != "" {
		return v
	}
	if strings.HasPrefix(model, "VirtualMac") {
		return model
	}
	if hvPresent {
		return "hypervisor present (kern.hv_vmm_present)"
	}
	return ""
}
