//go:build linux

package agent_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"vigil/internal/testneeds"
)

// A real X desktop for tests: Xvfb with two monitors (Xinerama) and the
// openbox window manager (Debian packages xvfb, openbox, wmctrl; .ci/run
// installs them), and windows of real processes named like the apps they
// stand for.

type xDesktop struct {
	display string
	exe     string // this test binary, started as a window under other names
	bin     string // folder of the names
}

// windowEnv tells this test binary to be a window instead of running tests.
const windowEnv = "VIGIL_TEST_WINDOW"

func TestMain(m *testing.M) {
	if title := os.Getenv(windowEnv); title != "" {
		os.Exit(runWindow(title))
	}
	os.Exit(testneeds.Main(m))
}

func startDesktop(t *testing.T) *xDesktop {
	t.Helper()
	for _, tool := range []string{"Xvfb", "openbox", "wmctrl", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			testneeds.Missing(t, testneeds.Desktop, tool+" is not on the PATH",
				"`make testdeps` installs it (apt-get install -y xvfb openbox wmctrl x11-utils)")
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d := &xDesktop{exe: exe, bin: t.TempDir()}
	for n := 60 + os.Getpid()%200; ; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			d.display = fmt.Sprintf(":%d", n)
			break
		}
	}
	d.start(t, "Xvfb", d.display, "-screen", "0", "800x600x24", "-screen", "1", "800x600x24", "+xinerama", "-nolisten", "tcp")
	waitFor(t, "the X server", func() bool {
		_, err := os.Stat("/tmp/.X11-unix/X" + strings.TrimPrefix(d.display, ":"))
		return err == nil
	})
	t.Setenv("DISPLAY", d.display)
	d.start(t, "openbox", "--sm-disable")
	waitFor(t, "the window manager", func() bool {
		out, _ := exec.Command("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").Output()
		return strings.Contains(string(out), "window id")
	})
	return d
}

// start runs a program until the test ends.
func (d *xDesktop) start(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.display)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// window starts a process called app showing one window with a title, and
// returns it with the window's id once the window manager manages it.
func (d *xDesktop) window(t *testing.T, app, title string) (*exec.Cmd, uint32) {
	t.Helper()
	link := filepath.Join(d.bin, app)
	if err := os.Symlink(d.exe, link); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	cmd := exec.Command(link)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.display, windowEnv+"="+title, "VIGIL_TEST_CLASS="+app)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	id, perr := strconv.ParseUint(strings.TrimSpace(line), 10, 32)
	if err != nil || perr != nil {
		t.Fatalf("window %s: %q %v %v", app, line, err, perr)
	}
	waitFor(t, "the window manager to list "+title, func() bool {
		out, _ := exec.Command("wmctrl", "-l").Output()
		return strings.Contains(string(out), title)
	})
	return cmd, uint32(id)
}

// activate brings a window to the front as a student's click would, and
// waits until the window manager says it is active.
func (d *xDesktop) activate(t *testing.T, id uint32) {
	t.Helper()
	hex := fmt.Sprintf("0x%08x", id)
	waitFor(t, "window "+hex+" in front", func() bool {
		exec.Command("wmctrl", "-i", "-a", hex).Run()
		out, _ := exec.Command("xprop", "-root", "_NET_ACTIVE_WINDOW").Output()
		f := strings.Fields(string(out))
		if len(f) == 0 {
			return false
		}
		got, _ := strconv.ParseUint(strings.TrimPrefix(f[len(f)-1], "0x"), 16, 32)
		return uint32(got) == id
	})
}

// runWindow is the window process: one mapped window with a title, a
// class and its process id (EWMH), until it is killed.
func runWindow(title string) int {
	conn, err := xgb.NewConn()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	wid, err := xproto.NewWindowId(conn)
	if err != nil {
		return 1
	}
	xproto.CreateWindow(conn, screen.RootDepth, wid, screen.Root, 10, 10, 300, 200, 0, xproto.WindowClassInputOutput,
		screen.RootVisual, xproto.CwBackPixel, []uint32{screen.WhitePixel})
	class := os.Getenv("VIGIL_TEST_CLASS")
	setProperty(conn, wid, "WM_NAME", "STRING", 8, []byte(title))
	setProperty(conn, wid, "_NET_WM_NAME", "UTF8_STRING", 8, []byte(title))
	setProperty(conn, wid, "WM_CLASS", "STRING", 8, []byte(class+"\x00"+class+"\x00"))
	pid := uint32(os.Getpid())
	setProperty(conn, wid, "_NET_WM_PID", "CARDINAL", 32, []byte{byte(pid), byte(pid >> 8), byte(pid >> 16), byte(pid >> 24)})
	xproto.MapWindow(conn, wid)
	conn.Sync()
	fmt.Println(uint32(wid))
	for {
		if ev, err := conn.WaitForEvent(); ev == nil && err == nil {
			return 0 // the X server went away
		}
	}
}

func setProperty(conn *xgb.Conn, w xproto.Window, name, typ string, format byte, data []byte) {
	atom := func(n string) xproto.Atom {
		r, err := xproto.InternAtom(conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			return 0
		}
		return r.Atom
	}
	xproto.ChangeProperty(conn, xproto.PropModeReplace, w, atom(name), atom(typ), format, uint32(len(data))/uint32(format/8), data)
}
