-- Vigil schema, version 2: the detection signals (pose, motion, reuse),
-- microphone audio and its voice signals, per-session analysis state,
-- per-student accommodations, and the time-share Pass/Fail policy.

ALTER TABLE frame_signals ADD COLUMN reused  {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE frame_signals ADD COLUMN motion  {{.Real}} NOT NULL DEFAULT -1;
ALTER TABLE frame_signals ADD COLUMN pose_ok {{.Bool}} NOT NULL DEFAULT {{.False}};
ALTER TABLE frame_signals ADD COLUMN yaw     {{.Real}} NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN gaze_x  {{.Real}} NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN gaze_y  {{.Real}} NOT NULL DEFAULT 0;

CREATE TABLE audio_chunks (
    session_id  {{.Int}} NOT NULL REFERENCES sessions (id),
    seq         {{.Int}} NOT NULL,
    started_at  {{.Int}} NOT NULL,
    duration_ms {{.Int}} NOT NULL,
    format      TEXT NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        {{.Int}} NOT NULL,
    received_at {{.Int}} NOT NULL,
    analyzed    {{.Bool}} NOT NULL DEFAULT {{.False}},
    error       TEXT NOT NULL DEFAULT '', -- why it could not be analysed
    PRIMARY KEY (session_id, seq)
){{.WithoutRowID}};
CREATE INDEX audio_pending ON audio_chunks (session_id, seq) WHERE {{.IsFalse "analyzed"}};

CREATE TABLE audio_signals (
    session_id {{.Int}} NOT NULL,
    chunk_seq  {{.Int}} NOT NULL,
    idx        {{.Int}} NOT NULL,
    start_at   {{.Int}} NOT NULL,
    dur_ms     {{.Int}} NOT NULL,
    speech     {{.Real}} NOT NULL,
    rms_db     {{.Real}} NOT NULL,
    max_db     {{.Real}} NOT NULL,
    floor_db   {{.Real}} NOT NULL,
    PRIMARY KEY (session_id, chunk_seq, idx),
    FOREIGN KEY (session_id, chunk_seq) REFERENCES audio_chunks (session_id, seq)
){{.WithoutRowID}};

-- What the frame analysis of a session carries from one frame to the next
-- (the last thumbnail, the last faces), so it can run in batches.
CREATE TABLE analysis_state (
    session_id {{.Int}} PRIMARY KEY REFERENCES sessions (id),
    data       {{.Blob}} NOT NULL
);

CREATE TABLE accommodations (
    exam_id      {{.Int}} NOT NULL REFERENCES exams (id),
    student_id   {{.Int}} NOT NULL REFERENCES students (id),
    off          TEXT NOT NULL DEFAULT '',
    allowed_apps TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    updated_by   {{.Int}} NOT NULL DEFAULT 0,
    updated_at   {{.Int}} NOT NULL,
    PRIMARY KEY (exam_id, student_id)
){{.WithoutRowID}};

-- The policy counts flagged time now, not violations. Settings stay JSON
-- text; on PostgreSQL only rows that have the old key are rewritten.
{{if .Postgres -}}
UPDATE exams SET settings = (settings::jsonb #- '{policy,fail_score}')::text
WHERE settings::jsonb #> '{policy,fail_score}' IS NOT NULL;
{{else -}}
UPDATE exams SET settings = json_remove(settings, '$.policy.fail_score');
{{end -}}

