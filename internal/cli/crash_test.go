package cli_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vigil/internal/cli"
	"vigil/internal/ingest"
	"vigil/internal/proctor"
	"vigil/internal/simclient"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testneeds"
	"vigil/internal/testwait"
	"vigil/media"
)

// TestMain lets the test binary double as `vigil`: with VIGIL_TEST_CHILD
// set it runs the command line it was given, so tests can start (and kill)
// real server processes without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv("VIGIL_TEST_CHILD") == "1" {
		os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(testneeds.Main(m))
}

// server is a vigil serve child process.
type server struct {
	t    *testing.T
	dir  string
	addr string
	cmd  *exec.Cmd
	log  *os.File

	logLevel string   // "warn" unless set
	extra    []string // more flags
}

func (s *server) start() {
	s.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--data", s.dir, "--addr", s.addr, "--workers", "1", "--log-level", cmp.Or(s.logLevel, "warn")},
		s.extra...)...)
	cmd.Env = append(os.Environ(), "VIGIL_TEST_CHILD=1")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// setUp migrates a data folder and creates an exam with n students and
// their session links.
func setUp(t *testing.T, dir string, n int) []string {
	t.Helper()
	if code := cli.Run(context.Background(), []string{"migrate", "--data", dir}, nil, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("migrate exited %d", code)
	}
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	course := &proctor.Course{Code: "CRASH", Title: "Crash course", Enabled: true}
	must(t, st.CreateCourse(ctx, course))
	exam := &proctor.Exam{CourseID: course.ID, Title: "Exam", Settings: proctor.DefaultSettings()}
	must(t, st.CreateExam(ctx, exam))
	var links []string
	for i := range n {
		s := &proctor.Student{CourseID: course.ID, FirstName: fmt.Sprint("S", i), LastName: "Crash"}
		must(t, st.CreateStudent(ctx, s))
		link, err := ingest.IssueLink(ctx, st, ingest.LinkRequest{ExamID: exam.ID, StudentID: s.ID, TTL: time.Hour})
		must(t, err)
		links = append(links, link)
	}
	return links
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// acked records what the server acknowledged: frame seq → SHA-256.
type acked struct {
	mu      sync.Mutex
	frames  map[int64]map[int64][32]byte // session → seq → hash
	count   int                          // acknowledgements so far
	changed sync.Cond                    // on mu: count grew, or the uploads ended
}

func newAcked() *acked {
	a := &acked{frames: map[int64]map[int64][32]byte{}}
	a.changed.L = &a.mu
	return a
}

func (a *acked) add(sid, seq int64, data []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.frames[sid] == nil {
		a.frames[sid] = map[int64][32]byte{}
	}
	a.frames[sid][seq] = sha256.Sum256(data)
	a.count++
	a.changed.Broadcast()
}

// wake lets waiters in grows see that the uploads ended.
func (a *acked) wake() {
	a.mu.Lock()
	a.changed.Broadcast()
	a.mu.Unlock()
}

// TestKilledServerKeepsEveryAcknowledgedUpload kills the server with
// SIGKILL again and again while students upload, restarts it, and checks
// that every frame the server acknowledged is stored, byte for byte, once,
// and that the sessions are then analysed.
func TestKilledServerKeepsEveryAcknowledgedUpload(t *testing.T) {
	dir := t.TempDir()
	links := setUp(t, dir, 4)
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	must(t, err)
	defer logf.Close()
	srv := &server{t: t, dir: dir, addr: freeAddr(t), log: logf}
	srv.start()
	defer func() { srv.kill() }()

	const frames = 300
	ack := newAcked()
	var wg sync.WaitGroup
	errs := make(chan error, len(links))
	ids := make([]int64, len(links))
	for i, link := range links {
		wg.Go(func() {
			id, err := uploadThroughCrashes(link, srv.addr, frames, ack)
			ids[i] = id
			errs <- err
		})
	}
	kills := killRepeatedly(srv, &wg, ack)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("server killed %d times during the uploads", <-kills)
	checkStored(t, dir, ack, frames)
	waitAnalysed(t, srv, ids)
}

// killRepeatedly kills and restarts the server until the uploads are done;
// it sends how many kills it made. Each server lives until it has
// acknowledged 5–30 more frames, so every one of them crashes in the middle
// of uploads however slow the machine is.
func killRepeatedly(srv *server, uploads *sync.WaitGroup, ack *acked) <-chan int {
	done := make(chan struct{})
	go func() { uploads.Wait(); close(done); ack.wake() }()
	kills := make(chan int, 1)
	go func() {
		n := 0
		for {
			if !ack.grows(5+rand.IntN(26), done) {
				kills <- n
				return
			}
			srv.kill()
			n++
			srv.start()
		}
	}()
	return kills
}

// grows waits until n more frames are acknowledged; false when done closes
// first.
func (a *acked) grows(n int, done <-chan struct{}) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for want := a.count + n; a.count < want; {
		select {
		case <-done:
			return false
		default:
		}
		a.changed.Wait()
	}
	return true
}

// uploadThroughCrashes is a client that keeps going through server deaths:
// it starts (or resumes) its session, sends every frame until acknowledged,
// then finishes.
func uploadThroughCrashes(link, addr string, frames int, ack *acked) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := &simclient.Client{Base: "http://" + addr, HTTP: &http.Client{Timeout: 5 * time.Second}, Media: media.FS, Retries: 1000}
	start := time.Now().UTC().Add(-10 * time.Minute)
	sess, err := c.Start(ctx, link, start)
	if err != nil {
		return 0, err
	}
	files, _ := fs.Glob(media.FS, "frames/eyes_center_10s/*.jpg")
	for seq := range int64(frames) {
		data, _ := fs.ReadFile(media.FS, files[seq%int64(len(files))])
		if err := c.PutFrame(ctx, sess, seq, start.Add(time.Duration(seq)*time.Second), data); err != nil {
			return sess.ID, fmt.Errorf("frame %d: %w", seq, err)
		}
		ack.add(sess.ID, seq, data)
	}
	return sess.ID, c.Finish(ctx, sess, int64(frames), 0)
}

func checkStored(t *testing.T, dir string, ack *acked, frames int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "vigil.db"))
	must(t, err)
	defer st.Close()
	for sid, seqs := range ack.frames {
		if n, _ := st.CountFrames(ctx, sid); n != int64(frames) || len(seqs) != frames {
			t.Fatalf("session %d: %d frames stored, %d acknowledged, want %d", sid, n, len(seqs), frames)
		}
		for seq, want := range seqs {
			f, err := st.GetFrame(ctx, sid, seq)
			if err != nil {
				t.Fatalf("acknowledged frame %d/%d is missing: %v", sid, seq, err)
			}
			data, err := os.ReadFile(filepath.Join(dir, "media", filepath.FromSlash(f.BlobKey)))
			if err != nil || sha256.Sum256(data) != want {
				t.Fatalf("acknowledged frame %d/%d: file missing or changed (%v)", sid, seq, err)
			}
		}
	}
}

func waitAnalysed(t *testing.T, srv *server, ids []int64) {
	t.Helper()
	ctx := context.Background()
	done := false
	defer func() {
		if !done {
			log, _ := os.ReadFile(filepath.Join(srv.dir, "server.log"))
			t.Logf("server log:\n%s", log)
		}
	}()
	testwait.For(t, "the sessions to be analysed after the last restart (the number still pending)", 60*time.Second, func() (int, bool) {
		st, err := sqlstore.OpenSQLite(ctx, filepath.Join(srv.dir, "vigil.db"))
		must(t, err)
		defer st.Close()
		pending := 0
		for _, id := range ids {
			s, err := st.GetSession(ctx, id)
			must(t, err)
			if s.State != proctor.StateAnalyzed {
				pending++
			}
		}
		return pending, pending == 0
	})
	done = true
}

func httpGet(u string) (int, error) {
	res, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// TestGracefulShutdownFinishesUploads sends SIGTERM while a frame upload is
// half sent: the server waits for it, stores and acknowledges it, then exits.
func TestGracefulShutdownFinishesUploads(t *testing.T) {
	dir := t.TempDir()
	links := setUp(t, dir, 1)
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	must(t, err)
	defer logf.Close()
	srv := &server{t: t, dir: dir, addr: freeAddr(t), log: logf, logLevel: "info"}
	srv.start()
	defer srv.kill()
	waitUp(t, srv.addr)
	c := &simclient.Client{Base: "http://" + srv.addr, HTTP: http.DefaultClient, Media: media.FS}
	start := time.Now().UTC().Add(-time.Minute)
	sess, err := c.Start(context.Background(), links[0], start)
	must(t, err)
	data, _ := fs.ReadFile(media.FS, "webcam320/obama_480p.jpg")

	// Expect: 100-continue: the server answers 100 Continue when the
	// handler first reads the body, so the test knows the request is in
	// the handler; the body is held back until then.
	handling := make(chan struct{})
	pr, pw := io.Pipe()
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{Got100Continue: func() { close(handling) }})
	req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("http://%s/api/v1/sessions/%d/frames/0", srv.addr, sess.ID), pr)
	req.Header.Set("Authorization", "Bearer "+sess.Token)
	req.Header.Set("Content-Type", "image/jpeg")
	req.Header.Set("X-Capture-Time", start.Format(time.RFC3339Nano))
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = int64(len(data))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	result := make(chan int, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	select {
	case <-handling:
	case status := <-result:
		t.Fatalf("the upload ended (%d) before its handler read the body", status)
	case <-time.After(30 * time.Second):
		t.Fatal("the handler never asked for the body (no 100 Continue)")
	}
	pw.Write(data[:len(data)/2])
	srv.cmd.Process.Signal(syscall.SIGTERM)
	waitLogLine(t, logf.Name(), "shutting down: finishing requests in flight")
	pw.Write(data[len(data)/2:])
	pw.Close()
	if status := <-result; status != 200 {
		t.Fatalf("the upload in flight at SIGTERM got %d, want 200", status)
	}
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(dir, "vigil.db"))
	must(t, err)
	defer st.Close()
	if _, err := st.GetFrame(context.Background(), sess.ID, 0); err != nil {
		t.Fatalf("the acknowledged frame is not stored: %v", err)
	}
}

// waitLogLine waits until a server's log file holds a line.
func waitLogLine(t *testing.T, path, line string) {
	t.Helper()
	testwait.Until(t, fmt.Sprintf("the server to log %q", line), 30*time.Second, func() bool {
		data, err := os.ReadFile(path)
		must(t, err)
		return strings.Contains(string(data), line)
	})
}
