package proctor

import (
	"slices"
	"strings"
)

// DefaultBlacklist is Vigil's maintained list of apps that flag Blacklisted
// Apps while they run, by what they let a student do. Names are process
// names as the desktop agent sees them, matched by AppKey (case and
// ".exe"/".app" do not matter). docs/DETECTION.md lists them; an exam may
// switch the list off (UseDefaultApps) or allow one of them
// (WhitelistedApps).
var DefaultBlacklist = map[string][]string{
	"screen sharing and meetings": {
		"zoom", "zoom.us", "teams", "ms-teams", "skype", "webex", "ciscowebexstart", "atmgr",
		"gotomeeting", "g2mcomm", "obs", "obs64", "obs32", "loom", "jitsi-meet",
	},
	"remote desktop": {
		"teamviewer", "teamviewer_service", "anydesk", "rustdesk", "remoting_host", "x11vnc", "vncserver",
		"vncviewer", "winvnc", "tvnserver", "mstsc", "parsec", "parsecd", "srserver", "logmein", "ammyy_admin",
		"nxserver", "nxplayer", "remmina", "krdc", "screenconnect.clientservice",
	},
	"messaging": {
		"discord", "slack", "telegram", "telegram-desktop", "whatsapp", "signal", "signal-desktop",
		"messenger", "viber", "wechat", "element", "element-desktop",
	},
	"virtual machines": {
		"virtualbox", "virtualboxvm", "vboxheadless", "vmware", "vmware-vmx", "vmplayer", "vmware-view",
		"qemu-system-x86_64", "qemu-system-aarch64", "prl_client_app", "utm", "vmconnect",
	},
}

// DefaultAllowed are apps an exam allows unless it blacklists them itself:
// screen readers and magnifiers, which some students need to take any exam.
var DefaultAllowed = []string{
	"nvda", "jfw", "narrator", "voiceover", "orca", "zoomtext", "zt", "supernova", "fusion",
}

// Browsers are the apps a quiz is taken in. The desktop agent counts any
// of them in front as the exam browser: which page it shows is the
// browser extension's to tell (navigate events).
var Browsers = []string{
	"chrome", "chromium", "chromium-browser", "google-chrome", "msedge", "microsoft-edge", "firefox",
	"firefox-esr", "safari", "brave", "brave-browser", "opera", "vivaldi", "arc",
}

// AppKey is an app's name for matching: lower case, without ".exe"/".app".
func AppKey(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	return strings.TrimSuffix(strings.TrimSuffix(s, ".exe"), ".app")
}

// AppListed reports whether name is in list, compared by AppKey.
func AppListed(list []string, name string) bool {
	k := AppKey(name)
	return slices.ContainsFunc(list, func(l string) bool { return AppKey(l) == k })
}

// defaultBlacklisted reports whether name is on the maintained blacklist.
func defaultBlacklisted(name string) bool {
	for _, names := range DefaultBlacklist {
		if AppListed(names, name) {
			return true
		}
	}
	return false
}

// AppBlacklisted reports whether the exam forbids an app. The exam's own
// lists come first (an app it allows is never blacklisted, one it
// blacklists always is); then the maintained lists, when in use: a screen
// reader is allowed, a listed meeting or remote-desktop app is not.
func (s *Settings) AppBlacklisted(name string) bool {
	switch {
	case AppListed(s.WhitelistedApps, name):
		return false
	case AppListed(s.BlacklistedApps, name):
		return true
	case !s.UseDefaultApps || AppListed(DefaultAllowed, name):
		return false
	}
	return defaultBlacklisted(name)
}

// AppAllowedInFront reports whether an app in front of the exam is fine
// for Online Aid: a browser (the exam's), an app the exam allows, or a
// screen reader from the maintained list unless the exam blacklists it.
func (s *Settings) AppAllowedInFront(name string) bool {
	switch {
	case AppListed(s.WhitelistedApps, name), AppListed(Browsers, name):
		return true
	case AppListed(s.BlacklistedApps, name):
		return false
	}
	return s.UseDefaultApps && AppListed(DefaultAllowed, name)
}

// AppReported reports whether the desktop agent needs to report that an
// app runs: the rules only read the apps on some list, so no other name
// leaves the student's computer.
func (s *Settings) AppReported(name string) bool {
	return AppListed(s.WhitelistedApps, name) || AppListed(s.BlacklistedApps, name) ||
		(s.UseDefaultApps && (defaultBlacklisted(name) || AppListed(DefaultAllowed, name)))
}
