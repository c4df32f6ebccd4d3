package cli_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"vigil/internal/ingestclient"
	"vigil/internal/simclient"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testneeds"
	"vigil/internal/testwait"
	"vigil/media"
)

// smallDisk mounts a tmpfs of size bytes on a new folder and unmounts it
// when the test ends: a real filesystem that fills up.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	must(t, os.Mkdir(dir, 0o700))
	if runtime.GOOS != "linux" {
		testneeds.Missing(t, testneeds.Tmpfs, "tmpfs is Linux's", "run the tests on Linux as root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput(); err != nil {
		testneeds.Missing(t, testneeds.Tmpfs, fmt.Sprintf("mount -t tmpfs failed: %v: %s", err, strings.TrimSpace(string(out))),
			"run the tests as root on Linux")
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestRealDiskFull runs vigil serve with its database and media on a
// small real filesystem and uploads until it is full. Every upload the
// full disk stops is refused with 507 storage_full (never 500), the
// server says "disk full" once in its log, and once space is freed the
// client's retries are stored: every acknowledged frame is there once,
// with the bytes sent.
func TestRealDiskFull(t *testing.T) {
	dir := smallDisk(t, 6<<20)
	links := setUp(t, dir, 1)
	// Room the test frees later, as an operator would.
	filler := filepath.Join(dir, "filler")
	must(t, os.WriteFile(filler, make([]byte, 1536<<10), 0o600))
	logPath := filepath.Join(t.TempDir(), "server.log")
	logf, err := os.Create(logPath)
	must(t, err)
	defer logf.Close()
	// No free-space floor: the point is the disk really filling.
	srv := &server{t: t, dir: dir, addr: freeAddr(t), log: logf, extra: []string{"--min-free-mb", "0"}}
	srv.start()
	defer srv.kill()
	waitUp(t, srv.addr)

	ctx := context.Background()
	base := "http://" + srv.addr
	sess, err := (&simclient.Client{Base: base, HTTP: http.DefaultClient, Media: media.FS}).Start(ctx, links[0], time.Now().UTC())
	must(t, err)
	c := &ingestclient.Client{Base: base, HTTP: &http.Client{Timeout: 20 * time.Second}}
	files, _ := fs.Glob(media.FS, "frames/*/*_320.jpg")
	acked := map[int64][32]byte{}
	// put sends a frame once, or again after the rate limit's pause: the
	// test sends faster than a capture client may (20 a second).
	put := func(seq int64) error {
		data, _ := fs.ReadFile(media.FS, files[seq%int64(len(files))])
		for {
			err := c.Do(ctx, ingestclient.Request{Method: "PUT", Path: fmt.Sprintf("/api/v1/sessions/%d/frames/%d", sess.ID, seq), Token: sess.Token,
				ContentType: "image/jpeg", Header: map[string]string{"X-Capture-Time": time.Now().UTC().Format(time.RFC3339Nano)}, Body: data}, nil)
			if e, ok := errors.AsType[*ingestclient.Error](err); ok && e.Status == http.StatusTooManyRequests {
				<-time.After(100 * time.Millisecond)
				continue
			}
			if err == nil {
				acked[seq] = sha256.Sum256(data)
			}
			return err
		}
	}
	// Fill the disk: frames until one is refused.
	var seq int64
	for ; ; seq++ {
		err := put(seq)
		if err == nil {
			continue
		}
		e, ok := errors.AsType[*ingestclient.Error](err)
		if !ok || e.Status != http.StatusInsufficientStorage || e.Code != "storage_full" || e.RetryAfter <= 0 {
			t.Fatalf("frame %d on a filling disk: %v, want 507 storage_full with Retry-After", seq, err)
		}
		break
	}
	if seq < 10 {
		t.Fatalf("the disk was full after %d frames: the test's disk is too small", seq)
	}
	for range 5 { // the client retries meanwhile
		if err := put(seq); err == nil {
			t.Fatalf("frame %d stored on a full disk", seq)
		} else if e, _ := errors.AsType[*ingestclient.Error](err); e == nil || e.Status != http.StatusInsufficientStorage {
			t.Fatalf("frame %d on a full disk: %v", seq, err)
		}
	}
	must(t, os.Remove(filler))
	testwait.Until(t, "the retried frame to be stored once space is freed", 30*time.Second, func() bool { return put(seq) == nil })
	for range 5 {
		seq++
		must(t, put(seq))
	}
	must(t, (&simclient.Client{Base: base, HTTP: http.DefaultClient, Retries: 50}).Finish(ctx, &simclient.Session{ID: sess.ID, Token: sess.Token}, seq+1, 0))

	srv.kill()
	log, _ := os.ReadFile(logPath)
	if n := strings.Count(string(log), "disk full: uploads are refused"); n != 1 {
		t.Errorf("the log says disk full %d times, want once:\n%s", n, log)
	}
	if strings.Contains(string(log), "status=500") {
		t.Errorf("a request got 500 on the full disk:\n%s", log)
	}
	for line := range strings.Lines(string(log)) {
		if strings.Contains(line, "disk full: uploads are refused") {
			t.Logf("the disk filled after %d frames; the server said: %s", seq-5, line)
		}
	}
	t.Logf("%d River log lines mention the full disk", strings.Count(string(log), "database or disk is full"))
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "vigil.db"))
	must(t, err)
	defer st.Close()
	if n, _ := st.CountFrames(ctx, sess.ID); n != int64(len(acked)) || n != seq+1 {
		t.Fatalf("%d frames stored, %d acknowledged, %d sent", n, len(acked), seq+1)
	}
	for s, want := range acked {
		f, err := st.GetFrame(ctx, sess.ID, s)
		must(t, err)
		data, err := os.ReadFile(filepath.Join(dir, "media", filepath.FromSlash(f.BlobKey)))
		if err != nil || sha256.Sum256(data) != want {
			t.Fatalf("acknowledged frame %d: file missing or changed (%v)", s, err)
		}
	}
}
