package cli_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"

	"vigil/internal/blob"
	"vigil/internal/blob/s3blob/s3test"
	"vigil/internal/cli"
	"vigil/internal/onnxrt"
	"vigil/internal/proctor"
	"vigil/internal/scenario"
	"vigil/internal/simclient"
	"vigil/internal/store/sqlstore"
	"vigil/internal/testneeds"
	"vigil/internal/testwait"
	"vigil/media"
)

// freshDatabase creates an empty database for one test and drops it after;
// without a PostgreSQL server testneeds skips the test (or fails it in CI).
func freshDatabase(t *testing.T) string {
	t.Helper()
	server := testneeds.PostgresURL(t)
	admin, err := sql.Open("pgx", server)
	must(t, err)
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "vigil_cluster_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, _ := url.Parse(server)
	u.Path = "/" + name
	return u.String()
}

// proc is a vigil child process (serve or work).
type proc struct {
	t      *testing.T
	args   []string
	addr   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
}

func (p *proc) start() {
	p.t.Helper()
	exe, _ := os.Executable()
	p.cmd = exec.Command(exe, append(p.args, "--addr", p.addr)...)
	p.cmd.Env = append(os.Environ(), "VIGIL_TEST_CHILD=1")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	must(p.t, p.cmd.Start())
	p.exited = make(chan struct{})
	go func() { p.cmd.Wait(); close(p.exited) }()
	p.t.Cleanup(p.kill)
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

func (p *proc) waitReady() {
	p.t.Helper()
	logged := func() string {
		p.log.Sync()
		data, _ := os.ReadFile(p.log.Name())
		return string(data)
	}
	done := false // ready, or the failure already says why
	defer func() {
		if !done { // the wait gave up: say why, from the process's log
			p.t.Logf("%v did not become ready:\n%s", p.args, logged())
		}
	}()
	testwait.Until(p.t, fmt.Sprintf("%v to answer /readyz", p.args), 30*time.Second, func() bool {
		if code, err := httpGet("http://" + p.addr + "/readyz"); err == nil && code == 200 {
			return true
		}
		select {
		case <-p.exited:
			done = true
			p.t.Fatalf("%v exited before it was ready:\n%s", p.args, logged())
		default:
		}
		return false
	})
	done = true
}

// balancer spreads requests over the web nodes in turn, skipping one that
// does not answer (as a load balancer's health checks would).
type balancer struct {
	backends []*url.URL
	next     atomic.Int64
	down     sync.Map
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for range len(b.backends) {
		u := b.backends[int(b.next.Add(1))%len(b.backends)]
		if _, dead := b.down.Load(u.Host); dead {
			continue
		}
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			b.down.Store(u.Host, true)
			http.Error(w, "backend down: "+err.Error(), http.StatusBadGateway) // the client retries
		}
		p.ServeHTTP(w, r)
		return
	}
	http.Error(w, "no backend", http.StatusBadGateway)
}

// TestClusterOnPostgresAndS3: two `vigil serve` and two `vigil work`
// processes on PostgreSQL and an S3-compatible store, behind a balancer.
// A web node is killed (SIGKILL) during uploads: the clients' retries go to
// the other and every acknowledged frame is stored once, byte for byte. A
// worker is killed in the middle of an analysis: the job is run again by
// the other worker and the verdict is the same as an uninterrupted run's.
func TestClusterOnPostgresAndS3(t *testing.T) {
	dbURL := freshDatabase(t)
	s3srv := s3test.Start(t)
	bucket := s3srv.Bucket(t)
	for k, v := range map[string]string{"VIGIL_DATABASE_URL": dbURL, "VIGIL_BLOB_URL": s3srv.URL(bucket),
		"VIGIL_S3_ACCESS_KEY": s3test.AccessKey, "VIGIL_S3_SECRET_KEY": s3test.SecretKey, "VIGIL_LOG_LEVEL": "warn",
		"VIGIL_JOB_TIMEOUT": "8s", "VIGIL_METRICS_TOKEN": clusterMetricsToken, "VIGIL_JOB_RESCUE_AFTER": "8s", "VIGIL_WORKERS": "1", "VIGIL_ONNXRUNTIME_LIB": onnxrt.DefaultLibPath()} {
		t.Setenv(k, v)
	}
	if code := cli.Run(context.Background(), []string{"migrate"}, nil, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("migrate exited %d", code)
	}
	links := clusterStudents(t, dbURL, 7)
	logs := t.TempDir()
	var procs []*proc
	for i, role := range []string{"serve", "serve", "work", "work"} {
		f, err := os.Create(filepath.Join(logs, fmt.Sprintf("%s-%d.log", role, i)))
		must(t, err)
		p := &proc{t: t, args: []string{role}, addr: freeAddr(t), log: f}
		p.start()
		procs = append(procs, p)
	}
	for _, p := range procs {
		p.waitReady()
	}
	web1, web2, work1, work2 := procs[0], procs[1], procs[2], procs[3]
	lb := &balancer{}
	for _, p := range []*proc{web1, web2} {
		u, _ := url.Parse("http://" + p.addr)
		lb.backends = append(lb.backends, u)
	}
	front := httptest.NewServer(lb)
	defer front.Close()
	st, err := sqlstore.OpenPostgres(context.Background(), dbURL)
	must(t, err)
	defer st.Close()

	t.Run("the live view across web nodes", func(t *testing.T) {
		checkLiveAcrossNodes(t, st, "http://"+web1.addr, "http://"+web2.addr, links[6])
	})

	t.Run("a web node killed during uploads", func(t *testing.T) {
		const frames = 150
		ack := newAcked()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for _, link := range links[:4] {
			wg.Go(func() {
				_, err := uploadThroughCrashes(link, strings.TrimPrefix(front.URL, "http://"), frames, ack)
				errs <- err
			})
		}
		// The node dies once uploads run through both nodes: 40 of the
		// 600 frames are acknowledged.
		uploaded := make(chan struct{})
		go func() { wg.Wait(); close(uploaded); ack.wake() }()
		if !ack.grows(40, uploaded) {
			t.Fatal("the uploads ended before 40 frames were acknowledged")
		}
		web1.kill()
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		checkStoredS3(t, st, s3srv, bucket, ack, frames)
	})

	// The load is batched, as the browser sends it, so the node dies
	// with packs written and their rows not yet (or just) committed.
	t.Run("vigil loadtest over both web nodes, one killed", func(t *testing.T) {
		web1.start() // back after the last subtest
		web1.waitReady()
		db, err := sql.Open("pgx", dbURL)
		must(t, err)
		defer db.Close()
		frames := func() (n int) {
			must(t, db.QueryRow(`SELECT count(*) FROM frames`).Scan(&n))
			return n
		}
		before := frames()
		result := filepath.Join(t.TempDir(), "load.json")
		var out, progress strings.Builder
		done := make(chan int, 1)
		go func() {
			done <- cli.Run(context.Background(), []string{"loadtest", "--target", "http://" + web1.addr + ",http://" + web2.addr,
				"--students", "8", "--ramp", "2s", "--hold", "16s", "--drain", "60s", "--batch", "2s", "--out", result}, nil, &out, &progress)
		}()
		// The node dies once both take uploads: 40 frames of the run stored.
		testwait.Until(t, "40 frames of the load run stored", 60*time.Second, func() bool { return frames() >= before+40 })
		web1.kill()
		if code := <-done; code != 0 {
			t.Fatalf("loadtest exited %d:\n%s\n%s", code, out.String(), progress.String())
		}
		var rep struct {
			Errors   map[string]int64 `json:"errors"`
			Sessions struct {
				Finished int `json:"finished"`
			} `json:"sessions"`
			Check struct {
				Acknowledged, Verified, Lost, Mismatched, Duplicated int64
			} `json:"check"`
		}
		data, err := os.ReadFile(result)
		must(t, err)
		must(t, json.Unmarshal(data, &rep))
		if c := rep.Check; rep.Sessions.Finished != 8 || c.Acknowledged == 0 || c.Verified != c.Acknowledged || c.Lost != 0 ||
			c.Mismatched != 0 || c.Duplicated != 0 {
			t.Fatalf("after a node was killed mid-run: %s", data)
		}
		if rep.Errors["network"] == 0 {
			t.Errorf("no upload met the dead node (errors %v): the kill came too late to test anything", rep.Errors)
		}
		var packed int
		must(t, db.QueryRow(`SELECT count(*) FROM frames WHERE packed`).Scan(&packed))
		if packed == 0 {
			t.Error("no frame of the batched run is in a pack")
		}
	})

	t.Run("a worker killed during an analysis", func(t *testing.T) {
		sc := longScenario()
		ref := playScenario(t, front.URL, links[4], sc)
		waitState(t, st, ref, proctor.StateAnalyzed, 120*time.Second)
		victim := playWhileKillingItsWorker(t, st, dbURL, front.URL, links[5], sc, map[*proc]bool{work1: true, work2: true})
		waitState(t, st, victim, proctor.StateAnalyzed, 120*time.Second)
		a, b := violationsOf(t, st, ref), violationsOf(t, st, victim)
		if a != b || a == "" {
			t.Fatalf("violations differ after the worker was killed:\nuninterrupted: %s\nkilled:        %s", a, b)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		web := scrape(t, "http://"+web2.addr+"/metrics")
		for _, want := range []string{`vigil_ingest_request_duration_seconds_bucket{route="PUT /api/v1/sessions/{id}/frames/{seq}"`,
			`vigil_uploads_total{route="PUT /api/v1/sessions/{id}/frames/{seq}",status="200"}`, `vigil_jobs{state="available"}`} {
			if !strings.Contains(web, want) {
				t.Errorf("the web node's metrics lack %s", want)
			}
		}
		alive := work1
		select {
		case <-work1.exited:
			alive = work2
		default:
		}
		work := scrape(t, "http://"+alive.addr+"/metrics")
		for _, want := range []string{"vigil_analysis_lag_seconds_count", `vigil_jobs_completed_total{kind="analyze_session"}`} {
			if !strings.Contains(work, want) {
				t.Errorf("the worker's metrics lack %s", want)
			}
		}
	})
}

// clusterMetricsToken is the bearer token the cluster's processes require
// for /metrics.
const clusterMetricsToken = "cluster-metrics-token"

// scrape reads metrics with the cluster's token, after checking that they
// are refused without it.
func scrape(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%s without the token: %d, want 401", u, res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+clusterMetricsToken)
	res, err = http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d", u, res.StatusCode)
	}
	return string(data)
}

// clusterStudents makes an exam with n students through the CLI and
// returns their session links.
func clusterStudents(t *testing.T, dbURL string, n int) []string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenPostgres(ctx, dbURL)
	must(t, err)
	defer st.Close()
	course := &proctor.Course{Code: "CLUSTER", Title: "Cluster", Enabled: true, CreatedAt: time.Now()}
	must(t, st.CreateCourse(ctx, course))
	exam := &proctor.Exam{CourseID: course.ID, Title: "Exam", Settings: proctor.DefaultSettings(), CreatedAt: time.Now()}
	must(t, st.CreateExam(ctx, exam))
	var links []string
	for i := range n {
		s := &proctor.Student{CourseID: course.ID, FirstName: fmt.Sprint("S", i), LastName: "Cluster"}
		must(t, st.CreateStudent(ctx, s))
		var out strings.Builder
		code := cli.Run(ctx, []string{"admin", "session-link", "--exam", fmt.Sprint(exam.ID), "--student", fmt.Sprint(s.ID)}, nil, &out, os.Stderr)
		if code != 0 {
			t.Fatalf("session-link exited %d", code)
		}
		links = append(links, lastField(out.String()))
	}
	return links
}

func lastField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	tok := f[len(f)-1]
	return tok[strings.LastIndex(tok, "/")+1:]
}

func checkStoredS3(t *testing.T, st *sqlstore.Store, srv *s3test.Server, bucket string, ack *acked, frames int) {
	t.Helper()
	ctx := context.Background()
	b := srv.Open(t, bucket)
	for sid, seqs := range ack.frames {
		if n, _ := st.CountFrames(ctx, sid); n != int64(frames) || len(seqs) != frames {
			t.Fatalf("session %d: %d frames stored, %d acknowledged, want %d", sid, n, len(seqs), frames)
		}
		for seq, want := range seqs {
			f, err := st.GetFrame(ctx, sid, seq)
			must(t, err)
			o, err := blob.OpenPart(ctx, b, f.BlobKey, f.Offset, f.Size)
			must(t, err)
			data, _ := io.ReadAll(o)
			o.Close()
			if sha256.Sum256(data) != want {
				t.Fatalf("frame %d/%d changed in storage", sid, seq)
			}
		}
	}
}

// longScenario is five minutes at 2 frames a second with two absences, so
// the analysis takes long enough to be interrupted.
func longScenario() *scenario.Scenario {
	return &scenario.Scenario{Name: "long", Duration: 300, FPS: 2,
		Video: []scenario.VideoSpan{{From: 0, To: 100, Frames: "webcam320/biden_headshoulders.jpg"},
			{From: 100, To: 120, Frames: "frames/desk_empty_dlib/*.jpg"}, {From: 120, To: 220, Frames: "frames/eyes_center_10s/*.jpg"},
			{From: 220, To: 240, Frames: "frames/desk_empty_dlib/*.jpg"}, {From: 240, To: 300, Frames: "webcam320/biden_headshoulders.jpg"}},
		Events: []scenario.Event{{At: 50, Kind: proctor.EventKey, Combo: "Ctrl+C"}}}
}

var sessionStart = time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

func playScenario(t *testing.T, base, link string, sc *scenario.Scenario) int64 {
	t.Helper()
	c := &simclient.Client{Base: base, HTTP: &http.Client{Timeout: 10 * time.Second}, Media: media.FS, Retries: 100}
	res, err := c.Play(context.Background(), link, sc, sessionStart)
	must(t, err)
	return res.Session.ID
}

// playWhileKillingItsWorker plays the scenario and, once a worker is in the
// middle of analysing it (some frames analysed, not all), kills that worker.
func playWhileKillingItsWorker(t *testing.T, st *sqlstore.Store, dbURL, base, link string, sc *scenario.Scenario, workers map[*proc]bool) int64 {
	t.Helper()
	queue, err := sql.Open("pgx", dbURL)
	must(t, err)
	defer queue.Close()
	played := make(chan int64, 1)
	go func() { played <- playScenario(t, base, link, sc) }()
	total := int64(sc.Duration * sc.FPS)
	testwait.Until(t, "a worker in the middle of the analysis", 90*time.Second, func() bool {
		pid, sid := runningAnalysis(t, queue)
		if pid == 0 {
			return false
		}
		done, _ := st.CountPendingFrames(context.Background(), sid)
		frames, _ := st.CountFrames(context.Background(), sid)
		if analysed := frames - done; analysed > 20 && analysed < total-20 {
			for p := range workers {
				if p.cmd.Process.Pid == pid {
					p.kill()
					t.Logf("killed worker pid %d with %d of %d frames analysed", pid, analysed, total)
					return true
				}
			}
		}
		return false
	})
	return <-played
}

// runningAnalysis finds a running analysis job and the pid of the worker
// running it (from the queue's attempted_by, vigil-<host>-<pid>-…).
func runningAnalysis(t *testing.T, queue *sql.DB) (pid int, sessionID int64) {
	t.Helper()
	var by, args string
	err := queue.QueryRow(`SELECT attempted_by[array_length(attempted_by, 1)], args::text FROM river_job
		WHERE kind = 'analyze_session' AND state = 'running' ORDER BY id DESC LIMIT 1`).Scan(&by, &args)
	if err != nil {
		return 0, 0
	}
	parts := strings.Split(by, "-")
	if len(parts) < 3 {
		return 0, 0
	}
	fmt.Sscan(parts[len(parts)-2], &pid)
	var a struct {
		SessionID int64 `json:"session_id"`
	}
	json.Unmarshal([]byte(args), &a)
	return pid, a.SessionID
}

func waitState(t *testing.T, st *sqlstore.Store, sid int64, want proctor.SessionState, timeout time.Duration) {
	t.Helper()
	testwait.For(t, fmt.Sprintf("session %d to be %s", sid, want), timeout, func() (proctor.SessionState, bool) {
		s, err := st.GetSession(context.Background(), sid)
		must(t, err)
		return s.State, s.State == want
	})
}

// violationsOf describes a session's violations by type, times relative
// to its start, and whether applied.
func violationsOf(t *testing.T, st *sqlstore.Store, sid int64) string {
	t.Helper()
	s, err := st.GetSession(context.Background(), sid)
	must(t, err)
	vs, err := st.ListViolations(context.Background(), sid)
	must(t, err)
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s %.0f-%.0f %v", v.Type, v.Start.Sub(s.ClientStartedAt).Seconds(),
			v.End.Sub(s.ClientStartedAt).Seconds(), v.Applied))
	}
	return fmt.Sprintf("%s; %s", s.Verdict, strings.Join(parts, ", "))
}

// TestLoadtestCommand: vigil loadtest against a running server plays its
// students open-loop, reports latency per kind and the server's cost per
// upload from its metrics, writes its JSON result, and finds every
// acknowledged item stored once.
func TestLoadtestCommand(t *testing.T) {
	dir := t.TempDir()
	if code := cli.Run(context.Background(), []string{"migrate", "--data", dir}, nil, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("migrate exited %d", code)
	}
	t.Setenv("VIGIL_METRICS_TOKEN", "load-token") // the server and the generator both read it
	srv := &server{t: t, dir: dir, addr: freeAddr(t), log: devNull(t)}
	srv.start()
	defer srv.kill()
	waitUp(t, srv.addr)
	var out, progress strings.Builder
	result := filepath.Join(dir, "result.json")
	code := cli.Run(context.Background(), []string{"loadtest", "--data", dir, "--base-url", "http://" + srv.addr,
		"--students", "3", "--ramp", "1s", "--hold", "12s", "--out", result}, nil, &out, &progress)
	report := out.String()
	if code != 0 || !strings.Contains(report, "sessions started 3") || !strings.Contains(report, " 0 lost, 0 with other content, 0 duplicated") ||
		!strings.Contains(report, "latency from the scheduled time") || !strings.Contains(progress.String(), "sessions 3/3") {
		t.Fatalf("loadtest exited %d:\n%s\n%s", code, report, progress.String())
	}
	data, err := os.ReadFile(result)
	must(t, err)
	var rep struct {
		Kinds map[string]struct {
			Acked int     `json:"acked"`
			P99   float64 `json:"p99_ms"`
		} `json:"kinds"`
		Sessions struct {
			Finished int `json:"finished"`
		} `json:"sessions"`
		Server struct {
			CPUMsPerUpload float64 `json:"cpu_ms_per_upload"`
			Kinds          map[string]struct {
				Accepted float64
			} `json:"kinds"`
		} `json:"server"`
		Check struct {
			Acknowledged, Verified, Lost, Duplicated int64
			BlobsChecked                             bool `json:"blobs_checked"`
		} `json:"check"`
	}
	must(t, json.Unmarshal(data, &rep))
	frames := rep.Kinds["frame"]
	if rep.Sessions.Finished != 3 || frames.Acked < 3*11 || frames.P99 <= 0 || rep.Kinds["webcam"].Acked < 3 || rep.Kinds["photo"].Acked != 3 {
		t.Errorf("result: %s", data)
	}
	if c := rep.Check; c.Acknowledged < int64(frames.Acked) || c.Verified != c.Acknowledged || c.Lost != 0 || c.Duplicated != 0 || !c.BlobsChecked {
		t.Errorf("check: %+v", c)
	}
	// (Too few uploads for the one in 64 measured on its thread: see
	// metrics.TestMeasureUpload.)
	if k := rep.Server.Kinds["frame"]; k.Accepted != float64(frames.Acked) || rep.Server.CPUMsPerUpload <= 0 {
		t.Errorf("server cost: %+v", rep.Server)
	}
}
