package devlms

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// storageProbe is the page a tool serves at its login URL in the browser
// test: it speaks the LTI postMessage storage protocol to its parent,
// reports what it got to its own server, then (when next is set) moves the
// frame to another origin.
const storageProbe = `<!DOCTYPE html><title>probe</title><script>
const params = new URLSearchParams(location.search);
const platform = params.get("platform") || params.get("iss");
const results = {target: params.get("lti_storage_target")};
function ask(msg) {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve({timeout: true}), 5000);
    window.addEventListener("message", function on(e) {
      if (!e.data || e.data.message_id !== msg.message_id) return;
      window.removeEventListener("message", on);
      clearTimeout(timer);
      resolve({origin: e.origin, data: e.data});
    });
    window.parent.postMessage(msg, platform);
  });
}
(async () => {
  %s
  await fetch("/report", {method: "POST", body: JSON.stringify(results)});
  %s
})();
</script>`

// The first origin stores a value, reads it back, and tries an unknown
// subject and a malformed put.
const firstOriginSteps = `
  results.caps = await ask({subject: "lti.capabilities", message_id: "m1"});
  results.put = await ask({subject: "lti.put_data", message_id: "m2", key: "state-abc", value: "nonce-123"});
  results.get = await ask({subject: "lti.get_data", message_id: "m3", key: "state-abc"});
  results.unsupported = await ask({subject: "lti.frobnicate", message_id: "m4"});
  results.bad = await ask({subject: "lti.put_data", message_id: "m5", value: "no key"});`

// The second origin must not see the first origin's value.
const secondOriginSteps = `
  results.get = await ask({subject: "lti.get_data", message_id: "n1", key: "state-abc"});`

// probeServer serves storageProbe with steps and sends each report on a
// channel.
func probeServer(t *testing.T, steps, then string) (*httptest.Server, chan map[string]any) {
	reports := make(chan map[string]any, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, storageProbe, steps, then)
	})
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &m)
		reports <- m
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, reports
}

// chromiumPath finds Chromium like the project's browser tests do.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("VIGIL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: install it (apt-get install -y chromium) or set VIGIL_CHROMIUM to its path")
	return ""
}

// openInChromium opens a URL in a headless Chromium that runs until the
// test ends.
func openInChromium(t *testing.T, u string) {
	cmd := exec.Command(chromiumPath(t), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-component-update", "--remote-debugging-port=0", "--user-data-dir="+t.TempDir(), u)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so its helpers end with it
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
}

func awaitReport(t *testing.T, reports chan map[string]any, what string) map[string]any {
	t.Helper()
	select {
	case r := <-reports:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("no report from %s within 20 s", what)
		return nil
	}
}

// In a real browser, the hosting page answers the storage protocol of the
// tool in its iframe: capabilities, put and get, errors for an unknown
// subject and a malformed request, replies addressed to the tool's origin,
// and storage never shared with another origin in the same frame.
func TestStorageProtocolInBrowser(t *testing.T) {
	f := newFixture(t, Options{})
	second, secondReports := probeServer(t, secondOriginSteps, "")
	first, firstReports := probeServer(t, firstOriginSteps,
		`location.href = "`+second.URL+`/login?platform=" + encodeURIComponent(platform);`)
	reg := f.tool.reg
	reg.ClientID, reg.LoginURL = "probe-client", first.URL+"/login"
	if err := f.p.RegisterTool(reg); err != nil {
		t.Fatal(err)
	}
	launchURL := f.launch(LaunchSpec{ClientID: "probe-client", CourseID: f.seed.CourseID, UserID: f.seed.StudentIDs[0], Frame: "iframe", StorageTarget: true})
	openInChromium(t, launchURL)

	r := awaitReport(t, firstReports, "the tool's first origin")
	reply := func(step string) map[string]any {
		m, _ := r[step].(map[string]any)
		if m["timeout"] == true || m["origin"] != f.p.Issuer() {
			t.Errorf("%s: %v, want a reply from the platform origin %s", step, m, f.p.Issuer())
		}
		data, _ := m["data"].(map[string]any)
		return data
	}
	if r["target"] != "_parent" {
		t.Errorf("lti_storage_target = %v", r["target"])
	}
	caps := reply("caps")
	want := []any{map[string]any{"subject": "lti.put_data", "frame": "_parent"}, map[string]any{"subject": "lti.get_data", "frame": "_parent"}}
	if caps["subject"] != "lti.capabilities.response" || fmt.Sprint(caps["supported_messages"]) != fmt.Sprint(want) {
		t.Errorf("capabilities reply %v", caps)
	}
	if put := reply("put"); put["subject"] != "lti.put_data.response" || put["key"] != "state-abc" || put["value"] != "nonce-123" {
		t.Errorf("put reply %v", put)
	}
	if get := reply("get"); get["subject"] != "lti.get_data.response" || get["value"] != "nonce-123" {
		t.Errorf("get reply %v", get)
	}
	if u := reply("unsupported"); u["subject"] != "lti.frobnicate.response" || fmt.Sprint(u["error"]) == "" || u["error"].(map[string]any)["code"] != "unsupported_subject" {
		t.Errorf("unsupported subject reply %v", u)
	}
	if b := reply("bad"); b["error"] == nil || b["error"].(map[string]any)["code"] != "bad_request" {
		t.Errorf("malformed put reply %v", b)
	}

	r = awaitReport(t, secondReports, "the second origin")
	if get := reply("get"); get["subject"] != "lti.get_data.response" || get["value"] != nil {
		t.Errorf("another origin read %v: storage leaked across origins", get)
	}
}
