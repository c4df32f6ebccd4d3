package cli_test

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/testwait"
)

// BenchmarkIdleServeRSS measures the resident memory of an idle `vigil
// serve` (the real binary, built here, on a migrated empty database) and,
// in the same run, of a bare Go net/http server as the baseline.
func BenchmarkIdleServeRSS(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "vigil")
	build := exec.Command("go", "build", "-o", bin, "vigil/cmd/vigil")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build vigil: %v\n%s", err, out)
	}
	dir := b.TempDir()
	if out, err := exec.Command(bin, "migrate", "--data", dir).CombinedOutput(); err != nil {
		b.Fatalf("migrate: %v\n%s", err, out)
	}
	addr := freeAddrB(b)
	vigil := idleRSS(b, exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--log-level", "warn"), addr)

	addr = freeAddrB(b)
	baseline := idleRSS(b, exec.Command(buildBaseline(b), addr), addr)
	for b.Loop() {
	}
	b.ReportMetric(vigil, "MB-vigil-idle-rss")
	b.ReportMetric(baseline, "MB-baseline-rss")
	b.ReportMetric(vigil/baseline, "ratio")
}

// baselineSrc is the smallest Go HTTP server: the runtime and net/http.
const baselineSrc = `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\\n")) })
	http.ListenAndServe(os.Args[1], nil)
}
`

func buildBaseline(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module baseline\n\ngo 1.26\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(baselineSrc), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-o", "baseline", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build the baseline server: %v\n%s", err, out)
	}
	return filepath.Join(dir, "baseline")
}

func freeAddrB(b *testing.B) string {
	ln, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// idleRSS starts cmd, waits until it answers /healthz and then until its
// VmRSS has settled (no reading in the last second more than 1% from the
// newest), and returns that VmRSS in MB.
func idleRSS(b *testing.B, cmd *exec.Cmd, addr string) float64 {
	b.Helper()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	testwait.Until(b, cmd.Path+" to answer /healthz", 10*time.Second, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	})
	window := int(time.Second / testwait.Every)
	var readings []float64
	return testwait.For(b, cmd.Path+"'s memory to settle", 30*time.Second, func() (float64, bool) {
		rss := vmRSS(b, cmd.Process.Pid)
		readings = append(readings, rss)
		return rss, settled(readings, window, 0.01)
	})
}

// settled reports whether the last n+1 readings all lie within frac of
// the newest.
func settled(readings []float64, n int, frac float64) bool {
	if len(readings) <= n {
		return false
	}
	last := readings[len(readings)-1]
	for _, r := range readings[len(readings)-1-n:] {
		if r < last*(1-frac) || r > last*(1+frac) {
			return false
		}
	}
	return true
}

func vmRSS(b *testing.B, pid int) float64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
