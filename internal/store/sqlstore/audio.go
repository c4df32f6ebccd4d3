package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"vigil/internal/proctor"
	"vigil/internal/store"
)

const audioCols = `session_id, seq, started_at, duration_ms, format, blob_key, packed, blob_offset, sha256, size, received_at`

var audioChunks = seqTable[proctor.AudioChunk]{what: "audio", table: "audio_chunks", cols: audioCols, scan: scanAudio}

func (c *conn) InsertAudio(ctx context.Context, a *proctor.AudioChunk) error {
	return audioChunks.insert(ctx, c, a.SessionID, a.Seq, ms(a.StartedAt), a.DurationMS, a.Format, a.BlobKey, a.Packed, a.Offset, a.SHA256, a.Size, ms(a.ReceivedAt))
}

func scanAudio(sc scanner) (*proctor.AudioChunk, error) {
	var a proctor.AudioChunk
	var started, received int64
	if err := sc.Scan(&a.SessionID, &a.Seq, &started, &a.DurationMS, &a.Format, &a.BlobKey, &a.Packed, &a.Offset, &a.SHA256, &a.Size, &received); err != nil {
		return nil, err
	}
	a.StartedAt, a.ReceivedAt = fromMS(started), fromMS(received)
	return &a, nil
}

func (c *conn) GetAudio(ctx context.Context, sessionID, seq int64) (*proctor.AudioChunk, error) {
	return audioChunks.get(ctx, c, sessionID, seq)
}

func (c *conn) NextAudioSeq(ctx context.Context, sessionID int64) (int64, error) {
	return audioChunks.next(ctx, c, sessionID)
}

func (c *conn) PendingAudio(ctx context.Context, sessionID int64, limit int) ([]proctor.AudioChunk, error) {
	return queryAll(ctx, c.r, "pending audio", `SELECT `+audioCols+` FROM audio_chunks
		WHERE session_id = $1 AND NOT analyzed ORDER BY seq LIMIT $2`, scanAudio, sessionID, limit)
}

func (c *conn) CountPendingAudio(ctx context.Context, sessionID int64) (int64, error) {
	return queryInt(ctx, c.r, "count pending audio", `SELECT count(*) FROM audio_chunks WHERE session_id = $1 AND NOT analyzed`, sessionID)
}

func (c *conn) SaveAudioSignals(ctx context.Context, sessionID, chunkSeq int64, sigs []proctor.AudioSignal, problem string) error {
	// A chunk's signals and its analysed mark are stored together.
	return c.atomic(ctx, func(c *conn) error {
		if err := c.exec(ctx, "save audio signals", `DELETE FROM audio_signals WHERE session_id = $1 AND chunk_seq = $2`,
			sessionID, chunkSeq); err != nil {
			return err
		}
		for i, sg := range sigs {
			err := c.exec(ctx, "save audio signals", `INSERT INTO audio_signals
				(session_id, chunk_seq, idx, start_at, dur_ms, speech, rms_db, max_db, floor_db) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				sessionID, chunkSeq, i, ms(sg.Start), sg.DurMS, sg.Speech, sg.RMSdB, sg.MaxdB, sg.FloordB)
			if err != nil {
				return err
			}
		}
		return c.execOne(ctx, "mark audio analyzed", `UPDATE audio_chunks SET analyzed = true, error = $1
			WHERE session_id = $2 AND seq = $3`, problem, sessionID, chunkSeq)
	})
}

func (c *conn) ListAudioSignals(ctx context.Context, sessionID int64) ([]proctor.AudioSignal, error) {
	return queryAll(ctx, c.r, "list audio signals", `SELECT session_id, chunk_seq, start_at, dur_ms, speech, rms_db, max_db, floor_db
		FROM audio_signals WHERE session_id = $1 ORDER BY start_at, chunk_seq, idx`, scanAudioSignal, sessionID)
}

func scanAudioSignal(sc scanner) (*proctor.AudioSignal, error) {
	var a proctor.AudioSignal
	var start int64
	if err := sc.Scan(&a.SessionID, &a.ChunkSeq, &start, &a.DurMS, &a.Speech, &a.RMSdB, &a.MaxdB, &a.FloordB); err != nil {
		return nil, err
	}
	a.Start = fromMS(start)
	return &a, nil
}

func (c *conn) AnalysisState(ctx context.Context, sessionID int64) ([]byte, error) {
	var data []byte
	err := c.r.QueryRowContext(ctx, `SELECT data FROM analysis_state WHERE session_id = $1`, sessionID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return data, wrap("analysis state", err)
}

func (c *conn) SaveAnalysisState(ctx context.Context, sessionID int64, data []byte) error {
	return c.exec(ctx, "save analysis state", `INSERT INTO analysis_state (session_id, data) VALUES ($1, $2)
		ON CONFLICT (session_id) DO UPDATE SET data = excluded.data`, sessionID, data)
}

func (c *conn) AnalysisProblems(ctx context.Context, sessionID int64, limit int) ([]store.AnalysisProblem, error) {
	// Frames first, then audio ('frame' > 'audio' in any collation).
	return queryAll(ctx, c.r, "analysis problems", `SELECT 'frame', seq, error FROM frame_signals WHERE session_id = $1 AND NOT ok
		UNION ALL SELECT 'audio', seq, error FROM audio_chunks WHERE session_id = $1 AND error != ''
		ORDER BY 1 DESC, 2 LIMIT $2`, func(sc scanner) (*store.AnalysisProblem, error) {
		var p store.AnalysisProblem
		return &p, sc.Scan(&p.Kind, &p.Seq, &p.Reason)
	}, sessionID, limit)
}
