package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"vigil/internal/blob"
	"vigil/internal/ingest"
	"vigil/internal/loadtest"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

func runLoadtest(ctx context.Context, e env, args []string) error {
	var students *int
	var target, out *string
	var ramp, hold, drain, batch *time.Duration
	var asJSON, verifyBlobs *bool
	cfg, err := parseConfig(e, "loadtest", "Plays simulated students against running Vigil servers, open-loop, at the capture client's rates\n"+
		"and from real media: every item has a scheduled time and its latency runs from that time to its\n"+
		"acknowledgement, however slow the server. Prints progress, then per kind of upload p50/p95/p99/max,\n"+
		"errors by code, bytes per second, sessions held, the servers' CPU per upload (with --metrics-token)\n"+
		"and every acknowledged item counted against the database and media store (0 lost, 0 duplicated, or\n"+
		"the command fails). It creates a course named LOAD-<time> with one exam and the students in the\n"+
		"database the flags name (the servers').", args,
		func(fs *flag.FlagSet) {
			students = fs.Int("students", 100, "how many students")
			target = fs.String("target", "", "the server(s) to load, comma-separated; students are spread over them in turn and "+
				"retry on the next after a network failure (default: --base-url)")
			ramp = fs.Duration("ramp", 30*time.Second, "students start evenly over this time")
			hold = fs.Duration("hold", 60*time.Second, "then all upload for this long")
			drain = fs.Duration("drain", 2*time.Minute, "then wait at most this long for what is still queued, before finishing")
			asJSON = fs.Bool("json", false, "print the report as JSON")
			out = fs.String("out", "", "also write the report as JSON to this `file`")
			batch = fs.Duration("batch", 0, "send each student's uploads due by then together this often, in one request (POST …/uploads), "+
				"as the browser's capture client does (every 3 s); 0: each on its own request")
			verifyBlobs = fs.Bool("verify-blobs", true, "look every acknowledged media object up in the media store too")
		})
	if err != nil {
		return err
	}
	if *students < 1 || *students > 100000 {
		return fmt.Errorf("--students %d must be between 1 and 100000", *students)
	}
	if *target == "" {
		*target = cfg.BaseURL
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkSchema(ctx, st); err != nil {
		return err
	}
	links, err := loadStudents(ctx, st, *students)
	if err != nil {
		return err
	}
	targets := strings.Split(*target, ",")
	fmt.Fprintf(e.stderr, "loading %s with %d students, open-loop (ramp %s, hold %s)\n", *target, *students, *ramp, *hold)
	rep, err := loadtest.Run(ctx, loadtest.Options{Targets: targets, Links: links, Ramp: *ramp, Hold: *hold, Drain: *drain, Batch: *batch,
		HTTP: loadClient(), MetricsToken: cfg.MetricsToken,
		Progress: func(s loadtest.Snapshot) {
			fmt.Fprintf(e.stderr, "%5.0fs  sessions %d/%d open %d  acked %d  backlog %d  last interval: p50 %s p99 %s max %s  failed attempts %d\n",
				s.Elapsed.Seconds(), s.Started, s.Students, s.Held, s.Acked, s.Backlog, ms(s.Recent.P50), ms(s.Recent.P99), ms(s.Recent.Max), s.Errors)
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "checking %d sessions against the store…\n", len(rep.Acked()))
	var blobs blob.Bucket
	if *verifyBlobs {
		if blobs, err = openBlobs(ctx, cfg); err != nil {
			return err
		}
		defer blobs.Close()
	}
	check, err := loadtest.Verify(ctx, rep, st, blobs)
	if err != nil {
		return err
	}
	if *out != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	printReport(e, rep, *asJSON)
	if !check.OK() {
		return fmt.Errorf("%d acknowledged items lost, %d stored with other content, %d duplicated", check.Lost, check.Mismatched, check.Duplicated)
	}
	return nil
}

// loadClient is the generator's HTTP client: keep-alive connections, as
// many as the students need, so no upload pays for a new connection.
func loadClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8192, MaxIdleConns: 8192,
		IdleConnTimeout: 2 * time.Minute}}
}

// loadStudents makes a course, an exam and n students with session links.
func loadStudents(ctx context.Context, st store.Store, n int) ([]string, error) {
	now := time.Now().UTC()
	c := &proctor.Course{Code: "LOAD-" + now.Format("20060102-150405"), Title: "Load test", Enabled: true, CreatedAt: now}
	if err := st.CreateCourse(ctx, c); err != nil {
		return nil, err
	}
	exam := &proctor.Exam{CourseID: c.ID, Title: "Load test", Settings: proctor.DefaultSettings(), CreatedAt: now}
	if err := st.CreateExam(ctx, exam); err != nil {
		return nil, err
	}
	links := make([]string, n)
	for i := range n {
		s := &proctor.Student{CourseID: c.ID, FirstName: "Student", LastName: fmt.Sprintf("%05d", i+1),
			Email: fmt.Sprintf("load%05d@example.invalid", i+1)}
		if err := st.CreateStudent(ctx, s); err != nil {
			return nil, err
		}
		tok, err := ingest.IssueLink(ctx, st, ingest.LinkRequest{ExamID: exam.ID, StudentID: s.ID, TTL: 24 * time.Hour, Actor: "loadtest"})
		if err != nil {
			return nil, err
		}
		links[i] = tok
	}
	return links, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d.Microseconds())/1000) }

func printReport(e env, rep *loadtest.Report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
		return
	}
	w := e.stdout
	fmt.Fprintf(w, "students %d (ramp %.0fs, hold %.0fs, %.0fs in all); sessions started %d, open at once %d, finished %d, stuck %d\n",
		rep.Students, rep.RampSeconds, rep.HoldSeconds, rep.Seconds, rep.Sessions.Started, rep.Sessions.PeakHeld, rep.Sessions.Finished, rep.Sessions.Stuck)
	fmt.Fprintf(w, "hold: %.0f uploads/s, %.2f MB/s\n", rep.Hold.UploadsPerSecond, rep.Hold.BytesPerSecond/1e6)
	fmt.Fprintf(w, "latency from the scheduled time, ms:\n  %-7s %8s %8s %8s %8s %8s   %s\n", "kind", "acked", "p50", "p95", "p99", "max", "service p50/p99")
	row := func(name string, k loadtest.KindReport) {
		fmt.Fprintf(w, "  %-7s %8d %8.0f %8.0f %8.0f %8.0f   %.0f/%.0f\n", name, k.Acked, k.P50, k.P95, k.P99, k.Max, k.ServiceP50, k.ServiceP99)
	}
	for _, k := range []string{loadtest.KindStart, loadtest.KindPhoto, loadtest.KindFrame, loadtest.KindAudio, loadtest.KindEvents,
		loadtest.KindWebcam, loadtest.KindScreen, loadtest.KindFinish} {
		row(k, rep.Kinds[k])
	}
	row("uploads", rep.Uploads)
	codes := make([]string, 0, len(rep.Errors))
	for k := range rep.Errors {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	var parts []string
	for _, k := range codes {
		parts = append(parts, fmt.Sprintf("%s: %d", k, rep.Errors[k]))
	}
	fmt.Fprintf(w, "failed attempts (retried or not): %s; %d attempts, %d retries\n", orNone(strings.Join(parts, ", ")), rep.Attempts, rep.Retries)
	for reason, n := range rep.Sessions.Failed {
		fmt.Fprintf(w, "students stopped: %d: %s\n", n, reason)
	}
	if c := rep.Server; c != nil {
		fmt.Fprintf(w, "servers: %.1f CPU s, %.2f cores during the hold, %.2f ms CPU per accepted upload (whole process)\n",
			c.CPUSeconds, c.HoldCores, c.CPUMsPerUpload)
		for _, k := range []string{loadtest.KindPhoto, loadtest.KindFrame, loadtest.KindAudio, loadtest.KindEvents, loadtest.KindWebcam, loadtest.KindScreen} {
			kc := c.Kinds[k]
			fmt.Fprintf(w, "  %-7s accepted %8.0f  handler CPU %6.0f µs  written %7.0f B  media %7.0f B  (%0.f sampled)\n",
				k, kc.Accepted, kc.HandlerCPUMicros, kc.WrittenBytes, kc.StoredBytes, kc.Sampled)
		}
		if c.AnalysedFrames > 0 {
			fmt.Fprintf(w, "  analysis in the servers: %.0f frames, %.1f CPU s, %.0f frames per CPU second\n",
				c.AnalysedFrames, c.AnalysisCPUSeconds, c.FramesPerAnalysisCPUSecond)
		}
	}
	if c := rep.Check; c != nil {
		fmt.Fprintf(w, "store check: %d acknowledged, %d verified, %d lost, %d with other content, %d duplicated, %d stored but never acknowledged (media objects looked up: %v)\n",
			c.Acknowledged, c.Verified, c.Lost, c.Mismatched, c.Duplicated, c.Unacknowledged, c.BlobsChecked)
		for _, p := range c.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
