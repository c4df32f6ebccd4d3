package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

// seqTable is a table of a session's uploads numbered from 0 (frames,
// audio chunks): a row's columns, how it scans, and its name in errors.
type seqTable[T any] struct {
	what, table, cols string
	scan              func(scanner) (*T, error)
}

func (t seqTable[T]) insert(ctx context.Context, c *conn, args ...any) error {
	return c.insertNew(ctx, "insert "+t.what, `INSERT INTO `+t.table+` (`+t.cols+`) VALUES (`+placeholders(1, len(args))+`)`, args...)
}

func (t seqTable[T]) get(ctx context.Context, c *conn, sessionID, seq int64) (*T, error) {
	return queryOne(ctx, c.r, "get "+t.what, `SELECT `+t.cols+` FROM `+t.table+` WHERE session_id = $1 AND seq = $2`, t.scan, sessionID, seq)
}

// next is one past the highest sequence number of a session (0 if none).
func (t seqTable[T]) next(ctx context.Context, c *conn, sessionID int64) (int64, error) {
	return queryInt(ctx, c.r, "next "+t.what+" seq", `SELECT coalesce(max(seq) + 1, 0) FROM `+t.table+` WHERE session_id = $1`, sessionID)
}

// uploadSlotQueries read, per kind of upload, the hash stored under a
// number ($2) and the next number, of a session ($1) and, where the
// kind has them, a stream or source ($3), in one round trip.
var uploadSlotQueries = map[store.UploadKind]string{
	store.UploadFrame:      uploadSlotQuery("frames", "seq", ""),
	store.UploadAudio:      uploadSlotQuery("audio_chunks", "seq", ""),
	store.UploadVideo:      uploadSlotQuery("video_chunks", "seq", "stream"),
	store.UploadEventBatch: uploadSlotQuery("event_batches", "batch", "source"),
}

func uploadSlotQuery(table, seq, stream string) string {
	where := `session_id = $1`
	if stream != "" {
		where += ` AND ` + stream + ` = $3`
	}
	return `SELECT (SELECT sha256 FROM ` + table + ` WHERE ` + where + ` AND ` + seq + ` = $2),
		(SELECT coalesce(max(` + seq + `) + 1, 0) FROM ` + table + ` WHERE ` + where + `)`
}

func (c *conn) UploadSlot(ctx context.Context, kind store.UploadKind, sessionID int64, stream string, seq int64) (store.UploadSlot, error) {
	query, ok := uploadSlotQueries[kind]
	if !ok {
		return store.UploadSlot{}, fmt.Errorf("sqlstore: upload slot: no uploads of kind %q", kind)
	}
	args := []any{sessionID, seq}
	if kind == store.UploadVideo || kind == store.UploadEventBatch {
		args = append(args, stream)
	}
	var sha sql.NullString
	var slot store.UploadSlot
	err := c.r.QueryRowContext(ctx, query, args...).Scan(&sha, &slot.Next)
	slot.SHA256 = sha.String
	return slot, wrap(string(kind)+" slot", err)
}

const frameCols = `session_id, seq, captured_at, blob_key, packed, blob_offset, sha256, size, width, height, received_at`

var frames = seqTable[proctor.Frame]{what: "frame", table: "frames", cols: frameCols, scan: scanFrame}

func (c *conn) InsertFrame(ctx context.Context, f *proctor.Frame) error {
	return frames.insert(ctx, c, f.SessionID, f.Seq, ms(f.CapturedAt), f.BlobKey, f.Packed, f.Offset, f.SHA256, f.Size, f.Width, f.Height, ms(f.ReceivedAt))
}

func scanFrame(sc scanner) (*proctor.Frame, error) {
	var f proctor.Frame
	var captured, received int64
	if err := sc.Scan(&f.SessionID, &f.Seq, &captured, &f.BlobKey, &f.Packed, &f.Offset, &f.SHA256, &f.Size, &f.Width, &f.Height, &received); err != nil {
		return nil, err
	}
	f.CapturedAt, f.ReceivedAt = fromMS(captured), fromMS(received)
	return &f, nil
}

func (c *conn) GetFrame(ctx context.Context, sessionID, seq int64) (*proctor.Frame, error) {
	return frames.get(ctx, c, sessionID, seq)
}

func (c *conn) NextFrameSeq(ctx context.Context, sessionID int64) (int64, error) {
	return frames.next(ctx, c, sessionID)
}

func (c *conn) ListFrames(ctx context.Context, sessionID, from int64, limit int) ([]proctor.Frame, error) {
	return queryAll(ctx, c.r, "list frames", `SELECT `+frameCols+` FROM frames
		WHERE session_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`, scanFrame, sessionID, from, limit)
}

func (c *conn) CountFrames(ctx context.Context, sessionID int64) (int64, error) {
	return queryInt(ctx, c.r, "count frames", `SELECT count(*) FROM frames WHERE session_id = $1`, sessionID)
}

const chunkCols = `session_id, stream, seq, started_at, duration_ms, blob_key, packed, blob_offset, sha256, size, received_at, opens_segment`

func (c *conn) InsertChunk(ctx context.Context, v *proctor.VideoChunk) error {
	return c.insertNew(ctx, "insert chunk", `INSERT INTO video_chunks (`+chunkCols+`) VALUES (`+placeholders(1, 12)+`)`,
		v.SessionID, v.Stream, v.Seq, ms(v.StartedAt), v.DurationMS, v.BlobKey, v.Packed, v.Offset, v.SHA256, v.Size, ms(v.ReceivedAt), v.OpensSegment)
}

func scanChunk(sc scanner) (*proctor.VideoChunk, error) {
	var v proctor.VideoChunk
	var started, received int64
	if err := sc.Scan(&v.SessionID, &v.Stream, &v.Seq, &started, &v.DurationMS, &v.BlobKey, &v.Packed, &v.Offset, &v.SHA256, &v.Size, &received, &v.OpensSegment); err != nil {
		return nil, err
	}
	v.StartedAt, v.ReceivedAt = fromMS(started), fromMS(received)
	return &v, nil
}

func (c *conn) GetChunk(ctx context.Context, sessionID int64, stream string, seq int64) (*proctor.VideoChunk, error) {
	return queryOne(ctx, c.r, "get chunk", `SELECT `+chunkCols+` FROM video_chunks
		WHERE session_id = $1 AND stream = $2 AND seq = $3`, scanChunk, sessionID, stream, seq)
}

func (c *conn) NextChunkSeq(ctx context.Context, sessionID int64, stream string) (int64, error) {
	return queryInt(ctx, c.r, "next chunk seq", `SELECT coalesce(max(seq) + 1, 0) FROM video_chunks
		WHERE session_id = $1 AND stream = $2`, sessionID, stream)
}

func (c *conn) ListChunks(ctx context.Context, sessionID int64, stream string) ([]proctor.VideoChunk, error) {
	return queryAll(ctx, c.r, "list chunks", `SELECT `+chunkCols+` FROM video_chunks
		WHERE session_id = $1 AND stream = $2 ORDER BY seq`, scanChunk, sessionID, stream)
}

func (c *conn) InsertEventBatch(ctx context.Context, sessionID int64, source string, batch int64, sha string, events []proctor.Event, at time.Time) error {
	// The batch and its events are stored together or not at all.
	return c.atomic(ctx, func(c *conn) error {
		err := c.insertNew(ctx, "insert event batch", `INSERT INTO event_batches (session_id, source, batch, sha256, received_at)
				VALUES ($1, $2, $3, $4, $5)`, sessionID, source, batch, sha, ms(at))
		if err != nil {
			return err
		}
		for i := range events {
			e := &events[i]
			id, err := c.insertID(ctx, "insert event", `INSERT INTO events
				(session_id, batch_source, batch, kind, at, combo, surface, count, name, title, app_state, url, source, received_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
				sessionID, source, batch, string(e.Kind), ms(e.At), e.Combo, e.Surface, e.Count, e.Name, e.Title, e.AppState, e.URL,
				e.Source, ms(at))
			if err != nil {
				return err
			}
			e.ID, e.SessionID, e.Batch, e.ReceivedAt = id, sessionID, batch, at
		}
		return nil
	})
}

func (c *conn) NextEventBatch(ctx context.Context, sessionID int64, source string) (int64, error) {
	return queryInt(ctx, c.r, "next event batch", `SELECT coalesce(max(batch) + 1, 0) FROM event_batches WHERE session_id = $1 AND source = $2`,
		sessionID, source)
}

func (c *conn) ListEventBatchTimes(ctx context.Context, sessionID int64, source string) ([]time.Time, error) {
	return queryAll(ctx, c.r, "list event batch times", `SELECT received_at FROM event_batches
		WHERE session_id = $1 AND source = $2 ORDER BY batch`, func(sc scanner) (*time.Time, error) {
		var v int64
		if err := sc.Scan(&v); err != nil {
			return nil, err
		}
		t := fromMS(v)
		return &t, nil
	}, sessionID, source)
}

func (c *conn) ListEvents(ctx context.Context, sessionID int64) ([]proctor.Event, error) {
	return queryAll(ctx, c.r, "list events", `SELECT id, session_id, batch, kind, at, combo, surface, count, name, title,
		app_state, url, source, received_at FROM events WHERE session_id = $1 ORDER BY at, id`, scanEvent, sessionID)
}

func scanEvent(sc scanner) (*proctor.Event, error) {
	var e proctor.Event
	var kind string
	var at, received int64
	if err := sc.Scan(&e.ID, &e.SessionID, &e.Batch, &kind, &at, &e.Combo, &e.Surface, &e.Count, &e.Name, &e.Title,
		&e.AppState, &e.URL, &e.Source, &received); err != nil {
		return nil, err
	}
	e.Kind, e.At, e.ReceivedAt = proctor.EventKind(kind), fromMS(at), fromMS(received)
	return &e, nil
}

func (c *conn) InsertPhoto(ctx context.Context, p *proctor.Photo) error {
	return c.keyed(ctx, func() error {
		id, err := c.insertID(ctx, "insert photo", `INSERT INTO photos
			(session_id, student_id, purpose, kind, attempt, blob_key, sha256, size, passed, reason, faces,
			 mean_luma, captured_at, received_at, identity, similarity, reference_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			RETURNING id`,
			p.SessionID, p.StudentID, string(p.Purpose), string(p.Kind), p.Attempt, p.BlobKey, p.SHA256, p.Size,
			p.Passed, p.Reason, p.Faces, p.MeanLuma, ms(p.CapturedAt), ms(p.ReceivedAt),
			string(p.Identity), p.Similarity, p.ReferenceID)
		p.ID = id
		return err
	})
}

const photoCols = `id, session_id, student_id, purpose, kind, attempt, blob_key, sha256, size, passed, reason,
	faces, mean_luma, captured_at, received_at, identity, similarity, reference_id`

func scanPhoto(sc scanner) (*proctor.Photo, error) {
	var p proctor.Photo
	var purpose, kind, identity string
	var captured, received int64
	if err := sc.Scan(&p.ID, &p.SessionID, &p.StudentID, &purpose, &kind, &p.Attempt, &p.BlobKey, &p.SHA256,
		&p.Size, &p.Passed, &p.Reason, &p.Faces, &p.MeanLuma, &captured, &received,
		&identity, &p.Similarity, &p.ReferenceID); err != nil {
		return nil, err
	}
	p.Purpose, p.Kind, p.Identity = proctor.PhotoPurpose(purpose), proctor.PhotoKind(kind), proctor.IdentityMatch(identity)
	p.CapturedAt, p.ReceivedAt = fromMS(captured), fromMS(received)
	return &p, nil
}

func (c *conn) GetPhoto(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose, kind proctor.PhotoKind, attempt int) (*proctor.Photo, error) {
	p, err := scanPhoto(c.r.QueryRowContext(ctx, `SELECT `+photoCols+` FROM photos
		WHERE session_id = $1 AND purpose = $2 AND kind = $3 AND attempt = $4`, sessionID, string(purpose), string(kind), attempt))
	return p, wrap("get photo", err)
}

func (c *conn) GetPhotoByID(ctx context.Context, id int64) (*proctor.Photo, error) {
	p, err := scanPhoto(c.r.QueryRowContext(ctx, `SELECT `+photoCols+` FROM photos WHERE id = $1`, id))
	return p, wrap("get photo", err)
}

func (c *conn) ListPhotos(ctx context.Context, sessionID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error) {
	return queryAll(ctx, c.r, "list photos", `SELECT `+photoCols+` FROM photos WHERE session_id = $1 AND purpose = $2
		ORDER BY `+c.bytewise("kind")+`, attempt`, scanPhoto, sessionID, string(purpose))
}

func (c *conn) ListStudentPhotos(ctx context.Context, studentID int64, purpose proctor.PhotoPurpose) ([]proctor.Photo, error) {
	return queryAll(ctx, c.r, "list student photos", `SELECT `+photoCols+` FROM photos WHERE student_id = $1 AND purpose = $2
		ORDER BY received_at, `+c.bytewise("kind")+`, attempt`, scanPhoto, studentID, string(purpose))
}
