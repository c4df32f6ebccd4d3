// Package export builds evidence exports: a ZIP of the items an
// instructor chose for one session, a whole exam or chosen students, with
// a manifest that lists every file's size and SHA-256. Files are streamed
// from the blob store into the ZIP and the ZIP into the blob store, so an
// export of any size needs a few hundred kilobytes of memory plus a small
// record per file (docs/BENCHMARKS.md).
package export

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"vigil/internal/analysis"
	"vigil/internal/blob"
	"vigil/internal/proctor"
)

// Builder plans and writes exports.
type Builder struct {
	Store Store
	Blobs blob.Bucket
}

// file is one file of the ZIP: where it goes and how to write it.
type file struct {
	path   string
	method uint16 // zip.Store for media (already compressed), zip.Deflate for text
	write  func(ctx context.Context, w io.Writer) error
}

// sessionData is what the plan reads once per session.
type sessionData struct {
	session    *proctor.Session
	student    *proctor.Student
	violations []proctor.Violation
	dir        string
	// reason explains the verdict in force in words.
	reason string
}

// Plan lists the files of an export, in the order they are written. It
// reads rows only (no media), so planning is quick and FilesTotal is known
// before the first byte is written.
func (b *Builder) Plan(ctx context.Context, e *proctor.Export) ([]file, error) {
	want := map[proctor.ExportItem]bool{}
	for _, it := range e.Items {
		want[it] = true
	}
	course, err := b.Store.GetCourse(ctx, e.CourseID)
	if err != nil {
		return nil, err
	}
	var sessions []sessionData
	exams := map[int64]*proctor.Exam{}
	reasons := analysis.NewReasoner(b.Store)
	for _, id := range e.SessionIDs {
		sd, err := b.loadSession(ctx, id, exams, reasons)
		if err != nil {
			return nil, fmt.Errorf("export: session %d: %w", id, err)
		}
		sessions = append(sessions, sd)
	}
	files := []file{readme(e, course, exams, sessions)}
	if want[proctor.ItemSummary] {
		files = append(files, text("sessions.csv", func(w io.Writer) error { return writeSummaryCSV(w, sessions, exams) }))
	}
	if want[proctor.ItemViolations] {
		files = append(files,
			text("violations.csv", func(w io.Writer) error { return writeViolationsCSV(w, sessions) }),
			text("violations.json", func(w io.Writer) error { return writeViolationsJSON(w, sessions) }))
	}
	onboarded := map[int64]bool{}
	for _, sd := range sessions {
		more, err := b.sessionFiles(ctx, sd, want, onboarded)
		if err != nil {
			return nil, fmt.Errorf("export: session %d: %w", sd.session.ID, err)
		}
		files = append(files, more...)
	}
	return files, nil
}

func (b *Builder) loadSession(ctx context.Context, id int64, exams map[int64]*proctor.Exam, reasons *analysis.Reasoner) (sessionData, error) {
	var sd sessionData
	var err error
	if sd.session, err = b.Store.GetSession(ctx, id); err != nil {
		return sd, err
	}
	if sd.student, err = b.Store.GetStudent(ctx, sd.session.StudentID); err != nil {
		return sd, err
	}
	if sd.violations, err = b.Store.ListViolations(ctx, id); err != nil {
		return sd, err
	}
	if exams[sd.session.ExamID] == nil {
		if exams[sd.session.ExamID], err = b.Store.GetExam(ctx, sd.session.ExamID); err != nil {
			return sd, err
		}
	}
	reason, err := reasons.InForce(ctx, sd.session, exams[sd.session.ExamID].Settings.Policy, sd.violations)
	if err != nil {
		return sd, err
	}
	sd.reason = reason.Text
	sd.dir = fmt.Sprintf("sessions/%s-%s-attempt-%d-session-%d", slug(sd.student.LastName), slug(sd.student.FirstName),
		sd.session.Attempt, sd.session.ID)
	return sd, nil
}

// sessionFiles lists one session's files. A student's onboarding photos
// go in once, however many of their sessions the export holds.
func (b *Builder) sessionFiles(ctx context.Context, sd sessionData, want map[proctor.ExportItem]bool, onboarded map[int64]bool) ([]file, error) {
	var files []file
	if want[proctor.ItemEvents] {
		files = append(files, text(sd.dir+"/events.json", func(w io.Writer) error { return b.writeEvents(ctx, w, sd.session) }))
	}
	if want[proctor.ItemSnapshots] {
		more, err := b.snapshotFiles(ctx, sd)
		if err != nil {
			return nil, err
		}
		files = append(files, more...)
	}
	if want[proctor.ItemVideo] {
		for _, stream := range []string{proctor.StreamWebcam, proctor.StreamScreen} {
			more, err := b.videoFiles(ctx, sd, stream)
			if err != nil {
				return nil, err
			}
			files = append(files, more...)
		}
	}
	if want[proctor.ItemScans] {
		photos, err := b.Store.ListPhotos(ctx, sd.session.ID, proctor.PurposeVerification)
		if err != nil {
			return nil, err
		}
		files = append(files, b.photoFiles(sd.dir+"/scans", photos)...)
	}
	if want[proctor.ItemOnboarding] && !onboarded[sd.student.ID] {
		onboarded[sd.student.ID] = true
		photos, err := b.Store.ListStudentPhotos(ctx, sd.student.ID, proctor.PurposeOnboarding)
		if err != nil {
			return nil, err
		}
		dir := fmt.Sprintf("onboarding/%s-%s-student-%d", slug(sd.student.LastName), slug(sd.student.FirstName), sd.student.ID)
		files = append(files, b.photoFiles(dir, photos)...)
	}
	return files, nil
}

// snapshotFiles are the frames the session page shows for each violation:
// before, during and after its span.
func (b *Builder) snapshotFiles(ctx context.Context, sd sessionData) ([]file, error) {
	var files []file
	for _, v := range sd.violations {
		for i, snap := range v.Evidence.Snapshots() {
			f, err := b.Store.GetFrame(ctx, sd.session.ID, snap.Seq)
			if err != nil {
				continue // a frame the rules named but that is gone (retention): nothing to copy
			}
			path := fmt.Sprintf("%s/snapshots/violation-%d-%s-%02d-%s-frame-%d.jpg", sd.dir, v.ID, v.Type, i+1, snap.Where, snap.Seq)
			files = append(files, b.frameFile(path, f))
		}
	}
	return files, nil
}

// videoFiles are one stream's recordings: each segment (a WebM file the
// client started, more than one after a reload) as the chunks joined.
func (b *Builder) videoFiles(ctx context.Context, sd sessionData, stream string) ([]file, error) {
	chunks, err := b.Store.ListChunks(ctx, sd.session.ID, stream)
	if err != nil {
		return nil, err
	}
	var files []file
	var parts []blob.Part
	flush := func() {
		if len(parts) == 0 {
			return
		}
		segment := parts
		path := fmt.Sprintf("%s/video/%s-segment-%d.webm", sd.dir, stream, len(files)+1)
		files = append(files, file{path: path, method: zip.Store, write: func(ctx context.Context, w io.Writer) error {
			for _, p := range segment {
				obj, err := blob.OpenPart(ctx, b.Blobs, p.Key, p.Offset, p.Size)
				if err := copyObject(w, p.Key, obj, err); err != nil {
					return err
				}
			}
			return nil
		}})
		parts = nil
	}
	for _, c := range chunks {
		if c.OpensSegment || c.Seq == 0 {
			flush()
		}
		parts = append(parts, blob.Part{Key: c.BlobKey, Offset: c.Offset, Size: c.Size})
	}
	flush()
	return files, nil
}

func (b *Builder) photoFiles(dir string, photos []proctor.Photo) []file {
	var files []file
	for _, p := range photos {
		result := "failed"
		if p.Passed {
			result = "passed"
		}
		// The comparison with the onboarding photo, where there was one:
		// a scan of someone else never reads as just "passed".
		switch p.Identity {
		case proctor.MatchSame:
			result += "-same-person"
		case proctor.MatchDifferent:
			result += "-different-person"
		}
		// Onboarding photos of one student come from several sessions, so
		// the session is part of the name.
		path := fmt.Sprintf("%s/%s-session-%d-attempt-%d-%s.jpg", dir, p.Kind, p.SessionID, p.Attempt, result)
		files = append(files, b.blobFile(path, p.BlobKey))
	}
	return files
}

func (b *Builder) blobFile(path, key string) file {
	return file{path: path, method: zip.Store, write: func(ctx context.Context, w io.Writer) error { return b.copyBlob(ctx, w, key) }}
}

// frameFile is a frame's JPEG: its object, or its part of a pack.
func (b *Builder) frameFile(path string, f *proctor.Frame) file {
	return file{path: path, method: zip.Store, write: func(ctx context.Context, w io.Writer) error {
		obj, err := blob.OpenPart(ctx, b.Blobs, f.BlobKey, f.Offset, f.Size)
		return copyObject(w, f.BlobKey, obj, err)
	}}
}

// copyBuffer is the size of each read from the blob store.
const copyBuffer = 256 << 10

func (b *Builder) copyBlob(ctx context.Context, w io.Writer, key string) error {
	obj, err := b.Blobs.Open(ctx, key)
	return copyObject(w, key, obj, err)
}

// copyObject copies what an Open or OpenPart of key opened to w.
func copyObject(w io.Writer, key string, obj blob.Object, err error) error {
	if err != nil {
		return fmt.Errorf("export: read %s: %w", key, err)
	}
	defer obj.Close()
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err = io.CopyBuffer(w, readerOnly{obj}, *buf)
	return err
}

// copyBuffers are reused across files: a video is a thousand chunks.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBuffer); return &b }}

// readerOnly hides WriterTo/ReaderFrom so CopyBuffer uses the buffer given
// (and the writer's hashing sees every byte through Write).
type readerOnly struct{ io.Reader }

func text(path string, write func(io.Writer) error) file {
	return file{path: path, method: zip.Deflate, write: func(_ context.Context, w io.Writer) error { return write(w) }}
}

// slug makes a name safe as a path segment: letters and digits kept,
// anything else a dash.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "x"
	}
	return out
}
