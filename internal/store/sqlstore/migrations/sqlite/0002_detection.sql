-- Vigil schema, version 2: the detection signals (pose, motion, reuse),
-- microphone audio and its voice signals, per-session analysis state,
-- per-student accommodations, and the time-share Pass/Fail policy.

ALTER TABLE frame_signals ADD COLUMN reused  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN motion  REAL    NOT NULL DEFAULT -1;
ALTER TABLE frame_signals ADD COLUMN pose_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN yaw     REAL    NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN gaze_x  REAL    NOT NULL DEFAULT 0;
ALTER TABLE frame_signals ADD COLUMN gaze_y  REAL    NOT NULL DEFAULT 0;

CREATE TABLE audio_chunks (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    format      TEXT NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    analyzed    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '', -- why it could not be analysed
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX audio_pending ON audio_chunks (session_id, seq) WHERE analyzed = 0;

CREATE TABLE audio_signals (
    session_id INTEGER NOT NULL,
    chunk_seq  INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    start_at   INTEGER NOT NULL,
    dur_ms     INTEGER NOT NULL,
    speech     REAL NOT NULL,
    rms_db     REAL NOT NULL,
    max_db     REAL NOT NULL,
    floor_db   REAL NOT NULL,
    PRIMARY KEY (session_id, chunk_seq, idx),
    FOREIGN KEY (session_id, chunk_seq) REFERENCES audio_chunks (session_id, seq)
) WITHOUT ROWID;

-- What the frame analysis of a session carries from one frame to the next
-- (the last thumbnail, the last faces), so it can run in batches.
CREATE TABLE analysis_state (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id),
    data       BLOB NOT NULL
);

CREATE TABLE accommodations (
    exam_id      INTEGER NOT NULL REFERENCES exams (id),
    student_id   INTEGER NOT NULL REFERENCES students (id),
    off          TEXT NOT NULL DEFAULT '',
    allowed_apps TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    updated_by   INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (exam_id, student_id)
) WITHOUT ROWID;

-- The policy counts flagged time now, not violations.
UPDATE exams SET settings = json_remove(settings, '$.policy.fail_score');
