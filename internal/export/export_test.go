package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vigil/internal/blob"
	"vigil/internal/blob/fileblob"
	"vigil/internal/export"
	"vigil/internal/proctor"
	"vigil/internal/store/sqlstore"
	"vigil/media"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// world is a real SQLite store and file bucket holding one course, exam
// and student with sessions that have media.
type world struct {
	st      *sqlstore.Store
	blobs   *fileblob.Bucket
	dir     string
	course  proctor.Course
	exam    proctor.Exam
	student proctor.Student
	user    proctor.User
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{dir: t.TempDir()}
	var err error
	if w.st, err = sqlstore.OpenSQLite(ctx, filepath.Join(w.dir, "vigil.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.st.Close() })
	if _, err := w.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if w.blobs, err = fileblob.Open(filepath.Join(w.dir, "media")); err != nil {
		t.Fatal(err)
	}
	w.course = proctor.Course{Code: "BIO-101", Title: "Biology", Enabled: true, CreatedAt: t0}
	must(t, w.st.CreateCourse(ctx, &w.course))
	w.user = proctor.User{Email: "ada@example.edu", Name: "Ada Teacher", Role: proctor.RoleInstructor}
	must(t, w.st.CreateUser(ctx, &w.user, ""))
	w.exam = proctor.Exam{CourseID: w.course.ID, Title: "Midterm", Settings: proctor.DefaultSettings(), CreatedAt: t0}
	must(t, w.st.CreateExam(ctx, &w.exam))
	w.student = proctor.Student{CourseID: w.course.ID, FirstName: "Zoë", LastName: "O'Brien", Email: "zoe@example.edu"}
	must(t, w.st.CreateStudent(ctx, &w.student))
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) put(t testing.TB, key string, data []byte) string {
	t.Helper()
	if _, err := w.blobs.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// session stores a session with frames, two video segments of the given
// chunk size, a verification and an onboarding photo, events and a
// violation pointing at frames.
func (w *world) session(t testing.TB, frames, chunks int, chunkSize int) *proctor.Session {
	t.Helper()
	ctx := context.Background()
	s := &proctor.Session{ExamID: w.exam.ID, StudentID: w.student.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, w.st.CreateSession(ctx, s))
	jpeg, err := media.FS.ReadFile("webcam320/biden_headshoulders.jpg")
	must(t, err)
	for i := range frames {
		key := fmt.Sprintf("sessions/%d/frames/%08d.jpg", s.ID, i)
		sha := w.put(t, key, jpeg)
		must(t, w.st.InsertFrame(ctx, &proctor.Frame{SessionID: s.ID, Seq: int64(i), CapturedAt: t0.Add(time.Duration(i) * time.Second),
			BlobKey: key, SHA256: sha, Size: int64(len(jpeg)), Width: 320, Height: 240, ReceivedAt: t0}))
	}
	chunk := make([]byte, chunkSize)
	for i := range chunks {
		for j := range chunk {
			chunk[j] = byte(i*31 + j*7)
		}
		key := fmt.Sprintf("sessions/%d/video-webcam/%08d.webm", s.ID, i)
		sha := w.put(t, key, chunk)
		must(t, w.st.InsertChunk(ctx, &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: int64(i),
			StartedAt: t0.Add(time.Duration(i) * 10 * time.Second), DurationMS: 10000, BlobKey: key, SHA256: sha, Size: int64(len(chunk)),
			ReceivedAt: t0, OpensSegment: i == 0 || i == chunks/2}))
	}
	for _, purpose := range []proctor.PhotoPurpose{proctor.PurposeVerification, proctor.PurposeOnboarding} {
		key := fmt.Sprintf("sessions/%d/%s-face/00000001.jpg", s.ID, purpose)
		sha := w.put(t, key, jpeg)
		// The scan is of someone else (the onboarding photo is what it
		// was compared with).
		identity := proctor.MatchNone
		if purpose == proctor.PurposeVerification {
			identity = proctor.MatchDifferent
		}
		must(t, w.st.InsertPhoto(ctx, &proctor.Photo{SessionID: s.ID, StudentID: w.student.ID, Purpose: purpose, Kind: proctor.PhotoFace,
			Attempt: 1, BlobKey: key, SHA256: sha, Size: int64(len(jpeg)), Passed: true, Reason: "one face", Faces: 1, CapturedAt: t0, ReceivedAt: t0,
			Identity: identity, Similarity: 0.12}))
	}
	must(t, w.st.InsertEventBatch(ctx, s.ID, "browser", 0, "batch0", []proctor.Event{{SessionID: s.ID, Kind: proctor.EventKey, At: t0.Add(3 * time.Second),
		Combo: "Ctrl+V", Source: "browser", ReceivedAt: t0}}, t0))
	before, after := int64(0), int64(2)
	must(t, w.st.ReplaceViolations(ctx, s.ID, []proctor.Violation{{SessionID: s.ID, Type: proctor.LeftSession, Start: t0.Add(time.Second),
		End: t0.Add(7 * time.Second), Confidence: 0.9, Applied: true, Rule: "left", Reason: "no face for 6 s",
		Evidence: proctor.Evidence{FrameSeqs: []int64{1}, BeforeSeq: &before, AfterSeq: &after}}}))
	must(t, w.st.SetVerdict(ctx, s.ID, proctor.VerdictFail, proctor.VerdictFail, t0.Add(time.Minute)))
	return s
}

func (w *world) export(t testing.TB, items []proctor.ExportItem, sessions ...*proctor.Session) *proctor.Export {
	t.Helper()
	e := &proctor.Export{UserID: w.user.ID, CourseID: w.course.ID, ExamID: w.exam.ID, Scope: proctor.ScopeExam, Items: items, CreatedAt: t0}
	for _, s := range sessions {
		e.SessionIDs = append(e.SessionIDs, s.ID)
	}
	must(t, w.st.CreateExport(context.Background(), e))
	return e
}

// CheckZIP opens a ZIP, checks every file against manifest.json and
// SHA256SUMS, and returns the files by path.
func checkZIP(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		files[f.Name] = b
	}
	var m export.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(m.Files) != len(files)-2 {
		t.Fatalf("manifest lists %d files, the ZIP holds %d besides manifest.json and SHA256SUMS", len(m.Files), len(files)-2)
	}
	sums := string(files["SHA256SUMS"])
	for _, mf := range m.Files {
		b, ok := files[mf.Path]
		sum := sha256.Sum256(b)
		if !ok || int64(len(b)) != mf.Size || hex.EncodeToString(sum[:]) != mf.SHA256 {
			t.Fatalf("%s: in ZIP %v, size %d (manifest %d), sha256 mismatch %v", mf.Path, ok, len(b), mf.Size, hex.EncodeToString(sum[:]) != mf.SHA256)
		}
		if !strings.Contains(sums, mf.SHA256+"  "+mf.Path+"\n") {
			t.Fatalf("SHA256SUMS lacks %s", mf.Path)
		}
	}
	return files
}

func TestBuildWritesEveryItemWithAManifest(t *testing.T) {
	w := newWorld(t)
	s1 := w.session(t, 4, 6, 5000)
	s2 := w.session(t, 3, 2, 3000)
	e := w.export(t, proctor.ExportItems, s1, s2)
	b := &export.Builder{Store: w.st, Blobs: w.blobs}
	var reports []export.Progress
	res, err := b.Build(context.Background(), e, func(p export.Progress) { reports = append(reports, p) })
	must(t, err)
	obj, err := w.blobs.Open(context.Background(), res.Key)
	must(t, err)
	data, _ := io.ReadAll(obj)
	obj.Close()
	sum := sha256.Sum256(data)
	if int64(len(data)) != res.Size || hex.EncodeToString(sum[:]) != res.SHA256 {
		t.Fatalf("result size %d sha %s, stored %d bytes sha %x", res.Size, res.SHA256, len(data), sum)
	}
	files := checkZIP(t, data)
	dir := fmt.Sprintf("sessions/o-brien-zoë-attempt-1-session-%d", s1.ID)
	for _, want := range []string{"README.txt", "sessions.csv", "violations.csv", "violations.json", dir + "/events.json",
		dir + "/video/webcam-segment-1.webm", dir + "/video/webcam-segment-2.webm", fmt.Sprintf("%s/scans/face-session-%d-attempt-1-passed-different-person.jpg", dir, s1.ID),
		fmt.Sprintf("onboarding/o-brien-zoë-student-%d/face-session-%d-attempt-1-passed.jpg", w.student.ID, s2.ID)} {
		if _, ok := files[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	// The two segments are the chunks joined, in order.
	if got := len(files[dir+"/video/webcam-segment-1.webm"]) + len(files[dir+"/video/webcam-segment-2.webm"]); got != 6*5000 {
		t.Errorf("video holds %d bytes, want %d", got, 6*5000)
	}
	snaps := 0
	for p := range files {
		if strings.HasPrefix(p, dir+"/snapshots/") {
			snaps++
		}
	}
	if snaps != 3 {
		t.Errorf("%d snapshots for the violation, want before, during and after", snaps)
	}
	onboarding := 0
	for p := range files {
		if strings.HasPrefix(p, "onboarding/") {
			onboarding++
		}
	}
	if onboarding != 2 { // the student's two onboarding photos (one per session), once
		t.Errorf("%d onboarding photos, want 2", onboarding)
	}
	csv := string(files["sessions.csv"])
	if strings.Count(csv, "\n") != 3 || !strings.Contains(csv, "O'Brien") || !strings.Contains(csv, "left_session") {
		t.Errorf("sessions.csv:\n%s", csv)
	}
	checkVerdictReasons(t, files["sessions.csv"])
	if !strings.Contains(string(files[dir+"/events.json"]), `"combo": "Ctrl+V"`) {
		t.Errorf("events.json:\n%s", files[dir+"/events.json"])
	}
	last := reports[len(reports)-1]
	if last.FilesDone != last.FilesTotal || last.FilesTotal != len(files)-2 {
		t.Errorf("last progress %+v for %d files", last, len(files)-2)
	}
}

func TestBuildOnlyTheItemsAsked(t *testing.T) {
	w := newWorld(t)
	s := w.session(t, 3, 2, 1000)
	e := w.export(t, []proctor.ExportItem{proctor.ItemSummary}, s)
	res, err := (&export.Builder{Store: w.st, Blobs: w.blobs}).Build(context.Background(), e, func(export.Progress) {})
	must(t, err)
	obj, err := w.blobs.Open(context.Background(), res.Key)
	must(t, err)
	data, _ := io.ReadAll(obj)
	obj.Close()
	files := checkZIP(t, data)
	if len(files) != 4 { // README.txt, sessions.csv, manifest.json, SHA256SUMS
		names := []string{}
		for n := range files {
			names = append(names, n)
		}
		t.Fatalf("files: %v", names)
	}
}

// fullDisk is the real file bucket on a disk that fills up after limit
// bytes of one Put: the write fails with ENOSPC as a full disk would.
type fullDisk struct {
	*fileblob.Bucket
	limit int64
}

func (d fullDisk) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return d.Bucket.Put(ctx, key, &spaceLimit{r: r, left: d.limit})
}

type spaceLimit struct {
	r    io.Reader
	left int64
}

func (l *spaceLimit) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, &os.PathError{Op: "write", Path: "media/.tmp/put", Err: syscall.ENOSPC}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func TestBuildOnAFullDiskLeavesNothing(t *testing.T) {
	w := newWorld(t)
	s := w.session(t, 3, 20, 100_000)
	e := w.export(t, proctor.ExportItems, s)
	var bucket blob.Bucket = fullDisk{w.blobs, 700_000}
	_, err := (&export.Builder{Store: w.st, Blobs: bucket}).Build(context.Background(), e, func(export.Progress) {})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("build on a full disk: %v", err)
	}
	if msg := export.Explain(err); !strings.Contains(msg, "ran out of storage space") {
		t.Fatalf("explained as %q", msg)
	}
	if _, err := w.blobs.Stat(context.Background(), export.Key(e.ID)); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a partial export is left: %v", err)
	}
	var left []string
	filepath.WalkDir(filepath.Join(w.dir, "media"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(p, "exports") || strings.Contains(filepath.Base(p), "put-")) {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("partial files left: %v", left)
	}
}

func TestBuildStopsWhenCancelled(t *testing.T) {
	w := newWorld(t)
	s := w.session(t, 3, 10, 100_000)
	e := w.export(t, proctor.ExportItems, s)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := (&export.Builder{Store: w.st, Blobs: w.blobs}).Build(ctx, e, func(export.Progress) {
		if calls++; calls == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v", err)
	}
	if _, err := w.blobs.Stat(context.Background(), export.Key(e.ID)); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("a cancelled export left its file: %v", err)
	}
}

// checkVerdictReasons: every row of sessions.csv explains its verdict in
// words, starting with the verdict it explains.
func checkVerdictReasons(t *testing.T, data []byte) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	must(t, err)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ri, ok := col["verdict_reason"]
	if !ok {
		t.Fatalf("sessions.csv has no verdict_reason column: %v", rows[0])
	}
	for _, r := range rows[1:] {
		reason, verdict := r[ri], r[col["automated_verdict"]]
		if r[col["reviewed"]] == "false" && !strings.HasPrefix(reason, verdict+" — ") || !strings.Contains(reason, "Left Session 1×") {
			t.Errorf("session %s: verdict %q explained as %q", r[0], verdict, reason)
		}
	}
}

// TestBuildReadsPackedMedia: frames and video chunks a batch stored in one
// object (a pack) are exported as their own bytes: each snapshot is its
// frame's JPEG, the segment its chunks' parts joined, nothing of the pack
// around them.
func TestBuildReadsPackedMedia(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := &proctor.Session{ExamID: w.exam.ID, StudentID: w.student.ID, CreatedAt: t0, ClientStartedAt: t0}
	must(t, w.st.CreateSession(ctx, s))
	jpegs := make([][]byte, 3)
	for i, name := range []string{"webcam320/biden_headshoulders.jpg", "webcam320/obama_480p.jpg", "webcam320/desk_empty_320.jpg"} {
		var err error
		jpegs[i], err = media.FS.ReadFile(name)
		must(t, err)
	}
	chunks := [][]byte{append([]byte{0x1A, 0x45, 0xDF, 0xA3}, bytes.Repeat([]byte{1}, 700)...), bytes.Repeat([]byte{2}, 900)}
	key := fmt.Sprintf("sessions/%d/packs/p.pack", s.ID)
	var pack []byte
	for i, j := range jpegs {
		sum := sha256.Sum256(j)
		must(t, w.st.InsertFrame(ctx, &proctor.Frame{SessionID: s.ID, Seq: int64(i), CapturedAt: t0.Add(time.Duration(i) * time.Second),
			BlobKey: key, Packed: true, Offset: int64(len(pack)), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(j)), Width: 320, Height: 240, ReceivedAt: t0}))
		pack = append(pack, j...)
	}
	for i, c := range chunks {
		sum := sha256.Sum256(c)
		must(t, w.st.InsertChunk(ctx, &proctor.VideoChunk{SessionID: s.ID, Stream: proctor.StreamWebcam, Seq: int64(i),
			StartedAt: t0.Add(time.Duration(i) * 10 * time.Second), DurationMS: 10000, BlobKey: key, Packed: true, Offset: int64(len(pack)),
			SHA256: hex.EncodeToString(sum[:]), Size: int64(len(c)), ReceivedAt: t0, OpensSegment: i == 0}))
		pack = append(pack, c...)
	}
	w.put(t, key, pack)
	before, after := int64(0), int64(2)
	must(t, w.st.ReplaceViolations(ctx, s.ID, []proctor.Violation{{SessionID: s.ID, Type: proctor.LeftSession, Start: t0.Add(time.Second),
		End: t0.Add(2 * time.Second), Confidence: 0.9, Applied: true, Rule: "left", Reason: "no face",
		Evidence: proctor.Evidence{FrameSeqs: []int64{1}, BeforeSeq: &before, AfterSeq: &after}}}))

	res, err := (&export.Builder{Store: w.st, Blobs: w.blobs}).Build(ctx, w.export(t, proctor.ExportItems, s), func(export.Progress) {})
	must(t, err)
	obj, err := w.blobs.Open(ctx, res.Key)
	must(t, err)
	data, _ := io.ReadAll(obj)
	obj.Close()
	files := checkZIP(t, data)
	snaps := 0
	for p, got := range files {
		if !strings.Contains(p, "/snapshots/") {
			continue
		}
		snaps++
		seq := int(p[len(p)-5] - '0') // …-frame-N.jpg
		if !bytes.Equal(got, jpegs[seq]) {
			t.Errorf("%s: %d bytes, not frame %d's %d", p, len(got), seq, len(jpegs[seq]))
		}
	}
	if snaps != 3 {
		t.Errorf("%d snapshots, want frames 0, 1 and 2", snaps)
	}
	dir := fmt.Sprintf("sessions/o-brien-zoë-attempt-1-session-%d", s.ID)
	if got := files[dir+"/video/webcam-segment-1.webm"]; !bytes.Equal(got, append(append([]byte{}, chunks[0]...), chunks[1]...)) {
		t.Errorf("the video segment is %d bytes, not its two chunks' %d", len(got), len(chunks[0])+len(chunks[1]))
	}
}
