package desktop

import "strings"

// windowsVM names a virtual machine from the firmware's manufacturer and
// product (HKLM\HARDWARE\DESCRIPTION\System\BIOS): "innotek GmbH" /
// "VirtualBox", "Microsoft Corporation" / "Virtual Machine" (Hyper-V).
func windowsVM(manufacturer, product string) string {
	return vmVendor(strings.TrimSpace(manufacturer+" "+product), product)
}

// utf16String decodes a NUL-terminated UTF-16 buffer from a Windows call.
func utf16String(buf []uint16) string {
	var b strings.Builder
	for i := 0; i < len(buf) && buf[i] != 0; i++ {
		r := rune(buf[i])
		if r >= 0xD800 && r < 0xDC00 && i+1 < len(buf) && buf[i+1] >= 0xDC00 && buf[i+1] < 0xE000 {
			r = (r-0xD800)<<10 + (rune(buf[i+1]) - 0xDC00) + 0x10000
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}
