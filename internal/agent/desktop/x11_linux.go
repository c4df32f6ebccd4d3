//go:build linux

package desktop

import (
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"
)

// x11 reads the X display through its own protocol (no cgo, no external
// tools): the active window from the window manager's EWMH properties,
// the monitors from Xinerama or RandR.
type x11 struct {
	conn  *xgb.Conn
	root  xproto.Window
	atoms map[string]xproto.Atom
}

func openX11() (*x11, error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, ErrNoDisplay
	}
	xgb.Logger = log.New(io.Discard, "", 0) // its notes (no ~/.Xauthority, …) are not the student's business
	conn, err := xgb.NewConn()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDisplay, err)
	}
	x := &x11{conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root, atoms: map[string]xproto.Atom{}}
	for _, name := range []string{"_NET_ACTIVE_WINDOW", "_NET_WM_NAME", "_NET_WM_PID", "UTF8_STRING", "WM_NAME", "WM_CLASS"} {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("desktop: X atom %s: %w", name, err)
		}
		x.atoms[name] = r.Atom
	}
	return x, nil
}

func (x *x11) close() { x.conn.Close() }

// property reads a window property (at most 4 KiB of it).
func (x *x11) property(w xproto.Window, name string) (*xproto.GetPropertyReply, error) {
	return xproto.GetProperty(x.conn, false, w, x.atoms[name], xproto.GetPropertyTypeAny, 0, 1024).Reply()
}

// active returns the focused window's title and class, and its process id
// (0 when the window does not say).
func (x *x11) active() (Window, int, error) {
	r, err := x.property(x.root, "_NET_ACTIVE_WINDOW")
	if err != nil {
		return Window{}, 0, fmt.Errorf("desktop: active window: %w", err)
	}
	if r.Format != 32 || len(r.Value) < 4 {
		return Window{}, 0, fmt.Errorf("desktop: the window manager does not say which window is active (EWMH)")
	}
	w := xproto.Window(binary.LittleEndian.Uint32(r.Value))
	if w == 0 {
		return Window{App: "desktop"}, 0, nil // nothing focused: the desktop itself
	}
	return x.describe(w)
}

func (x *x11) describe(w xproto.Window) (Window, int, error) {
	var out Window
	if r, err := x.property(w, "_NET_WM_NAME"); err == nil && len(r.Value) > 0 {
		out.Title = string(r.Value)
	} else if r, err := x.property(w, "WM_NAME"); err == nil {
		out.Title = string(r.Value)
	}
	if r, err := x.property(w, "WM_CLASS"); err == nil {
		// "instance\0Class\0": the class names the app.
		parts := strings.Split(strings.TrimRight(string(r.Value), "\x00"), "\x00")
		out.App = parts[len(parts)-1]
	}
	pid := 0
	if r, err := x.property(w, "_NET_WM_PID"); err == nil && r.Format == 32 && len(r.Value) >= 4 {
		pid = int(binary.LittleEndian.Uint32(r.Value))
	}
	return out, pid, nil
}

// monitors counts displays: Xinerama's screens when it is active (one X
// screen spread over several monitors), else RandR's monitors, else 1.
func (x *x11) monitors() (int, error) {
	if xinerama.Init(x.conn) == nil {
		if a, err := xinerama.IsActive(x.conn).Reply(); err == nil && a.State != 0 {
			if s, err := xinerama.QueryScreens(x.conn).Reply(); err == nil && s.Number > 0 {
				return int(s.Number), nil
			}
		}
	}
	if randr.Init(x.conn) == nil {
		if m, err := randr.GetMonitors(x.conn, x.root, true).Reply(); err == nil && m.NMonitors > 0 {
			return int(m.NMonitors), nil
		}
	}
	return 1, nil
}
