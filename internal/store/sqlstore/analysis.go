package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vigil/internal/proctor"
)

func (c *conn) PendingFrames(ctx context.Context, sessionID int64, limit int) ([]proctor.Frame, error) {
	return queryAll(ctx, c.r, "pending frames", `SELECT `+frameCols+` FROM frames
		WHERE session_id = $1 AND NOT analyzed ORDER BY seq LIMIT $2`, scanFrame, sessionID, limit)
}

func (c *conn) CountPendingFrames(ctx context.Context, sessionID int64) (int64, error) {
	var n int64
	err := c.r.QueryRowContext(ctx, `SELECT count(*) FROM frames WHERE session_id = $1 AND NOT analyzed`, sessionID).Scan(&n)
	return n, wrap("count pending frames", err)
}

func (c *conn) SaveFrameSignals(ctx context.Context, sigs []proctor.FrameSignal) error {
	// Each signal and its frame's analysed mark are stored together.
	return c.atomic(ctx, func(c *conn) error {
		for i := range sigs {
			if err := c.saveFrameSignal(ctx, &sigs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *conn) saveFrameSignal(ctx context.Context, sg *proctor.FrameSignal) error {
	boxes := ""
	if len(sg.Boxes) > 0 {
		b, err := json.Marshal(sg.Boxes)
		if err != nil {
			return fmt.Errorf("sqlstore: face boxes: %w", err)
		}
		boxes = string(b)
	}
	err := c.exec(ctx, "save frame signal", `INSERT INTO frame_signals
		(session_id, seq, captured_at, ok, error, faces, boxes, mean_luma, reused, motion, pose_ok, yaw, gaze_x, gaze_y,
		 identity, similarity)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (session_id, seq) DO UPDATE SET captured_at = excluded.captured_at, ok = excluded.ok,
		error = excluded.error, faces = excluded.faces, boxes = excluded.boxes, mean_luma = excluded.mean_luma,
		reused = excluded.reused, motion = excluded.motion, pose_ok = excluded.pose_ok, yaw = excluded.yaw,
		gaze_x = excluded.gaze_x, gaze_y = excluded.gaze_y, identity = excluded.identity, similarity = excluded.similarity`,
		sg.SessionID, sg.Seq, ms(sg.CapturedAt), sg.OK, sg.Error, sg.Faces, boxes, sg.MeanLuma,
		sg.Reused, sg.Motion, sg.PoseOK, sg.Yaw, sg.GazeX, sg.GazeY, string(sg.Identity), sg.Similarity)
	if err != nil {
		return err
	}
	return c.execOne(ctx, "mark frame analyzed",
		`UPDATE frames SET analyzed = true WHERE session_id = $1 AND seq = $2`, sg.SessionID, sg.Seq)
}

func (c *conn) ListFrameSignals(ctx context.Context, sessionID int64) ([]proctor.FrameSignal, error) {
	return queryAll(ctx, c.r, "list frame signals", `SELECT session_id, seq, captured_at, ok, error, faces, boxes, mean_luma,
		reused, motion, pose_ok, yaw, gaze_x, gaze_y, identity, similarity FROM frame_signals WHERE session_id = $1 ORDER BY seq`,
		scanFrameSignal, sessionID)
}

func scanFrameSignal(sc scanner) (*proctor.FrameSignal, error) {
	var sg proctor.FrameSignal
	var captured int64
	var boxes, identity string
	if err := sc.Scan(&sg.SessionID, &sg.Seq, &captured, &sg.OK, &sg.Error, &sg.Faces, &boxes, &sg.MeanLuma,
		&sg.Reused, &sg.Motion, &sg.PoseOK, &sg.Yaw, &sg.GazeX, &sg.GazeY, &identity, &sg.Similarity); err != nil {
		return nil, err
	}
	sg.CapturedAt, sg.Identity = fromMS(captured), proctor.IdentityMatch(identity)
	if boxes != "" {
		if err := json.Unmarshal([]byte(boxes), &sg.Boxes); err != nil {
			return nil, fmt.Errorf("frame %d/%d boxes: %w", sg.SessionID, sg.Seq, err)
		}
	}
	return &sg, nil
}

func (c *conn) PendingIdentityPhotos(ctx context.Context, sessionID int64) ([]proctor.Photo, error) {
	return queryAll(ctx, c.r, "pending identity photos", `SELECT `+photoCols+` FROM photos
		WHERE session_id = $1 AND identity = 'pending' ORDER BY id`, scanPhoto, sessionID)
}

func (c *conn) CountPendingIdentity(ctx context.Context, sessionID int64) (int64, error) {
	var n int64
	err := c.r.QueryRowContext(ctx, `SELECT count(*) FROM photos WHERE session_id = $1 AND identity = 'pending'`, sessionID).Scan(&n)
	return n, wrap("count pending identity photos", err)
}

func (c *conn) SetPhotoIdentity(ctx context.Context, photoID int64, m proctor.IdentityMatch, similarity float64, referenceID int64) error {
	if !m.Valid() {
		return fmt.Errorf("sqlstore: unknown identity result %q", m)
	}
	return c.execOne(ctx, "set photo identity", `UPDATE photos SET identity = $1, similarity = $2, reference_id = $3
		WHERE id = $4`, string(m), similarity, referenceID, photoID)
}

// decisionCarry is what an instructor decided on a violation, kept across
// a re-decision.
type decisionCarry struct {
	decision, note string
	by, at         int64
}

func (c *conn) ReplaceViolations(ctx context.Context, sessionID int64, vs []proctor.Violation) error {
	return c.atomic(ctx, func(c *conn) error {
		// The session's row lock makes two re-decisions take turns; the
		// violations' row locks make an instructor's decision on one of
		// them either land before it is read here, or wait and then find
		// it replaced (ErrNotFound) — never vanish with the old row.
		if err := c.lockRows(ctx, "lock session", "NO KEY UPDATE", `SELECT FROM sessions WHERE id = $1`, sessionID); err != nil {
			return err
		}
		old, err := queryAll(ctx, c.w, "list violations", `SELECT `+violationCols+` FROM violations WHERE session_id = $1
			ORDER BY id`+c.rowLock("UPDATE"), scanViolation, sessionID)
		if err != nil {
			return err
		}
		carry := make(map[string]decisionCarry, len(old))
		for i := range old {
			if old[i].Decision != proctor.DecisionPending {
				carry[old[i].Key()] = decisionCarry{string(old[i].Decision), old[i].DecisionNote, old[i].DecidedBy, ms(old[i].DecidedAt)}
			}
		}
		if err := c.exec(ctx, "replace violations", `DELETE FROM violations WHERE session_id = $1`, sessionID); err != nil {
			return err
		}
		for i := range vs {
			if err := c.insertViolation(ctx, sessionID, &vs[i], carry[vs[i].Key()]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *conn) insertViolation(ctx context.Context, sessionID int64, v *proctor.Violation, d decisionCarry) error {
	ev, err := json.Marshal(v.Evidence)
	if err != nil {
		return fmt.Errorf("sqlstore: violation evidence: %w", err)
	}
	v.SessionID = sessionID
	v.Decision, v.DecisionNote, v.DecidedBy, v.DecidedAt = proctor.Decision(d.decision), d.note, d.by, fromMS(d.at)
	v.ID, err = c.insertID(ctx, "insert violation", `INSERT INTO violations
		(session_id, type, start_at, end_at, confidence, applied, rule, reason, cause, evidence,
		 decision, decision_note, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id`,
		sessionID, string(v.Type), ms(v.Start), ms(v.End), v.Confidence, v.Applied, v.Rule, v.Reason,
		string(v.Cause), string(ev), d.decision, d.note, d.by, d.at)
	return err
}

const violationCols = `id, session_id, type, start_at, end_at, confidence, applied, rule, reason, cause, evidence,
	decision, decision_note, decided_by, decided_at`

func scanViolation(sc scanner) (*proctor.Violation, error) {
	var v proctor.Violation
	var typ, cause, evidence, decision string
	var start, end, decided int64
	if err := sc.Scan(&v.ID, &v.SessionID, &typ, &start, &end, &v.Confidence, &v.Applied, &v.Rule, &v.Reason,
		&cause, &evidence, &decision, &v.DecisionNote, &v.DecidedBy, &decided); err != nil {
		return nil, err
	}
	v.Type, v.Cause, v.Decision = proctor.ViolationType(typ), proctor.Cause(cause), proctor.Decision(decision)
	v.Start, v.End, v.DecidedAt = fromMS(start), fromMS(end), fromMS(decided)
	if err := json.Unmarshal([]byte(evidence), &v.Evidence); err != nil {
		return nil, fmt.Errorf("violation %d evidence: %w", v.ID, err)
	}
	return &v, nil
}

func (c *conn) ListViolations(ctx context.Context, sessionID int64) ([]proctor.Violation, error) {
	return queryAll(ctx, c.r, "list violations", `SELECT `+violationCols+` FROM violations WHERE session_id = $1
		ORDER BY start_at, id`, scanViolation, sessionID)
}

func (c *conn) ListExamViolations(ctx context.Context, examID int64) (map[int64][]proctor.Violation, error) {
	vs, err := queryAll(ctx, c.r, "list exam violations", `SELECT `+violationCols+` FROM violations
		WHERE session_id IN (SELECT id FROM sessions WHERE exam_id = $1)
		ORDER BY session_id, start_at, id`, scanViolation, examID)
	if err != nil {
		return nil, err
	}
	bySession := map[int64][]proctor.Violation{}
	for _, v := range vs {
		bySession[v.SessionID] = append(bySession[v.SessionID], v)
	}
	return bySession, nil
}

func (c *conn) GetViolation(ctx context.Context, id int64) (*proctor.Violation, error) {
	v, err := scanViolation(c.r.QueryRowContext(ctx, `SELECT `+violationCols+` FROM violations WHERE id = $1`, id))
	return v, wrap("get violation", err)
}

func (c *conn) SetVerdict(ctx context.Context, sessionID int64, automated, reviewed proctor.Verdict, at time.Time) error {
	return c.execOne(ctx, "set verdict", `UPDATE sessions SET verdict = $1, reviewed_verdict = $2, analyzed_at = $3
		WHERE id = $4`, string(automated), string(reviewed), ms(at), sessionID)
}
