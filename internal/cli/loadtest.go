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

	"vigil/internal/ingest"
	"vigil/internal/loadtest"
	"vigil/internal/proctor"
	"vigil/internal/store"
)

func runLoadtest(ctx context.Context, e env, args []string) error {
	var students *int
	var target *string
	var ramp, hold *time.Duration
	var asJSON *bool
	cfg, err := parseConfig(e, "loadtest", "Plays simulated students against a running Vigil at the capture client's rates, from real\n"+
		"media, ramping up; prints progress, then upload latency (p50/p95/p99), errors by code, bytes per\n"+
		"second and items lost (checked in the database afterwards: must be 0). It creates a course named\n"+
		"LOAD-<time> with one exam and the students in the database the flags name (the server's).", args,
		func(fs *flag.FlagSet) {
			students = fs.Int("students", 100, "how many students")
			target = fs.String("target", "", "the server(s) to load, comma-separated (default: --base-url)")
			ramp = fs.Duration("ramp", 30*time.Second, "students start evenly over this time")
			hold = fs.Duration("hold", 60*time.Second, "then all upload for this long")
			asJSON = fs.Bool("json", false, "print the report as JSON")
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
	fmt.Fprintf(e.stderr, "loading %s with %d students (ramp %s, hold %s)\n", *target, *students, *ramp, *hold)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4096, MaxIdleConns: 4096,
		IdleConnTimeout: time.Minute}}
	rep, err := loadtest.Run(ctx, loadtest.Options{Target: *target, Links: links, Ramp: *ramp, Hold: *hold, HTTP: client,
		Progress: func(s loadtest.Snapshot) {
			fmt.Fprintf(e.stderr, "%5.0fs  students %d/%d  requests %d  last 2 s: p50 %s p95 %s p99 %s  errors %d\n",
				s.Elapsed.Seconds(), s.Active, s.Students, s.Requests, ms(s.Latency.P50), ms(s.Latency.P95), ms(s.Latency.P99), total(s.Errors))
		}})
	if err != nil {
		return err
	}
	lost, err := countLost(ctx, st, rep.Sessions)
	if err != nil {
		return err
	}
	return printReport(e, rep, lost, *asJSON)
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

// countLost compares what the server acknowledged with what it stored.
func countLost(ctx context.Context, st store.Store, sessions []loadtest.SessionCount) (int64, error) {
	var lost int64
	for _, s := range sessions {
		frames, err := st.CountFrames(ctx, s.SessionID)
		if err != nil {
			return 0, err
		}
		audio, err := st.NextAudioSeq(ctx, s.SessionID)
		if err != nil {
			return 0, err
		}
		batches, err := st.NextEventBatch(ctx, s.SessionID, proctor.SourceBrowser)
		if err != nil {
			return 0, err
		}
		webcam, err := st.NextChunkSeq(ctx, s.SessionID, proctor.StreamWebcam)
		if err != nil {
			return 0, err
		}
		screen, err := st.NextChunkSeq(ctx, s.SessionID, proctor.StreamScreen)
		if err != nil {
			return 0, err
		}
		lost += max(0, s.Frames-frames) + max(0, s.Audio-audio) + max(0, s.Batches-batches) + max(0, s.Webcam-webcam) + max(0, s.Screen-screen)
	}
	return lost, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d.Microseconds())/1000) }

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func printReport(e env, rep *loadtest.Report, lost int64, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"students": rep.Students, "sessions": len(rep.Sessions), "seconds": rep.Duration.Seconds(),
			"requests": rep.Requests, "bytes_per_second": float64(rep.Bytes) / rep.Duration.Seconds(),
			"p50_ms": rep.Latency.P50.Seconds() * 1000, "p95_ms": rep.Latency.P95.Seconds() * 1000,
			"p99_ms": rep.Latency.P99.Seconds() * 1000, "max_ms": rep.Latency.Max.Seconds() * 1000,
			"errors": rep.Errors, "failed_students": rep.Failed, "items_lost": lost})
	}
	fmt.Fprintf(e.stdout, "students %d, sessions held %d, %s\n", rep.Students, len(rep.Sessions), rep.Duration.Round(time.Second))
	fmt.Fprintf(e.stdout, "requests %d (%.0f/s), %.2f MB/s uploaded\n", rep.Requests, float64(rep.Requests)/rep.Duration.Seconds(),
		float64(rep.Bytes)/rep.Duration.Seconds()/1e6)
	fmt.Fprintf(e.stdout, "upload latency p50 %s  p95 %s  p99 %s  max %s\n", ms(rep.Latency.P50), ms(rep.Latency.P95),
		ms(rep.Latency.P99), ms(rep.Latency.Max))
	codes := make([]string, 0, len(rep.Errors))
	for k := range rep.Errors {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	var parts []string
	for _, k := range codes {
		parts = append(parts, fmt.Sprintf("%s: %d", k, rep.Errors[k]))
	}
	fmt.Fprintf(e.stdout, "errors (retried or not): %s\n", orNone(strings.Join(parts, ", ")))
	for reason, n := range rep.Failed {
		fmt.Fprintf(e.stdout, "students stopped: %d: %s\n", n, reason)
	}
	fmt.Fprintf(e.stdout, "items lost: %d\n", lost)
	if lost > 0 {
		return fmt.Errorf("%d acknowledged items are missing from the database", lost)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
