package sqlstore

import (
	"context"
	"strings"

	"vigil/internal/proctor"
)

func (c *conn) SetAccommodation(ctx context.Context, a *proctor.Accommodation) error {
	if len(a.Off) == 0 && len(a.AllowedApps) == 0 && len(a.AllowedKeys) == 0 {
		return c.exec(ctx, "clear accommodation", `DELETE FROM accommodations WHERE exam_id = $1 AND student_id = $2`, a.ExamID, a.StudentID)
	}
	off := make([]string, len(a.Off))
	for i, t := range a.Off {
		off[i] = string(t)
	}
	return c.exec(ctx, "set accommodation", `INSERT INTO accommodations
		(exam_id, student_id, off, allowed_apps, allowed_keys, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (exam_id, student_id) DO UPDATE SET off = excluded.off, allowed_apps = excluded.allowed_apps,
		allowed_keys = excluded.allowed_keys, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		a.ExamID, a.StudentID, strings.Join(off, ","), strings.Join(a.AllowedApps, "\n"), strings.Join(a.AllowedKeys, "\n"),
		a.Note, a.UpdatedBy, ms(a.UpdatedAt))
}

const accommodationCols = `exam_id, student_id, off, allowed_apps, allowed_keys, note, updated_by, updated_at`

func scanAccommodation(sc scanner) (*proctor.Accommodation, error) {
	var a proctor.Accommodation
	var off, apps, keys string
	var updated int64
	if err := sc.Scan(&a.ExamID, &a.StudentID, &off, &apps, &keys, &a.Note, &a.UpdatedBy, &updated); err != nil {
		return nil, err
	}
	for _, t := range strings.Split(off, ",") {
		if t != "" {
			a.Off = append(a.Off, proctor.ViolationType(t))
		}
	}
	for _, app := range strings.Split(apps, "\n") {
		if app != "" {
			a.AllowedApps = append(a.AllowedApps, app)
		}
	}
	for _, k := range strings.Split(keys, "\n") {
		if k != "" {
			a.AllowedKeys = append(a.AllowedKeys, k)
		}
	}
	a.UpdatedAt = fromMS(updated)
	return &a, nil
}

func (c *conn) GetAccommodation(ctx context.Context, examID, studentID int64) (*proctor.Accommodation, error) {
	a, err := scanAccommodation(c.r.QueryRowContext(ctx, `SELECT `+accommodationCols+` FROM accommodations
		WHERE exam_id = $1 AND student_id = $2`, examID, studentID))
	return a, wrap("get accommodation", err)
}

func (c *conn) ListAccommodations(ctx context.Context, examID int64) ([]proctor.Accommodation, error) {
	return queryAll(ctx, c.r, "list accommodations", `SELECT `+accommodationCols+` FROM accommodations
		WHERE exam_id = $1 ORDER BY student_id`, scanAccommodation, examID)
}
