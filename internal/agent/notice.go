package agent

import (
	"fmt"
	"strings"
)

// Notice is what the agent prints when it starts: what it reports, why,
// and what it keeps (nothing).
func Notice(p *Paired, listed int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Vigil desktop agent: connected to the proctored session of %s for %q.\n\n", p.Student, p.Exam)
	b.WriteString("While the session is open, every few seconds it tells Vigil:\n")
	fmt.Fprintf(&b, "  - which apps on the exam's lists are running (%d names: meeting, screen-sharing, remote-desktop,\n", listed)
	b.WriteString("    messaging and virtual-machine apps, screen readers, and apps your instructor listed);\n")
	b.WriteString("    no other app's name leaves this computer;\n")
	b.WriteString("  - which app is in front; the window's title only when that app is not one the exam allows\n")
	b.WriteString("    (your browser and the allowed apps are named without titles);\n")
	b.WriteString("  - how many displays are connected, and whether this computer is a virtual machine.\n")
	b.WriteString("Why: the exam's Online Aid and Blacklisted Apps checks. Your instructor reviews every flag.\n")
	b.WriteString("It reads no files, keystrokes, screen or camera, keeps nothing on disk, and stops by itself\n")
	b.WriteString("when the session ends. Ctrl+C stops it earlier (the session page will show it stopped).\n\n")
	return b.String()
}
