-- Vigil schema, version 2: the detection signals (pose, motion, reuse),
-- microphone audio and its voice signals, per-session analysis state,
-- per-student accommodations, and the time-share Pass/Fail policy.

ALTER TABLE frame_signals
    ADD COLUMN reused  BOOLEAN          NOT NULL DEFAULT false,
    ADD COLUMN motion  DOUBLE PRECISION NOT NULL DEFAULT -1,
    ADD COLUMN pose_ok BOOLEAN          NOT NULL DEFAULT false,
    ADD COLUMN yaw     DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN gaze_x  DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN gaze_y  DOUBLE PRECISION NOT NULL DEFAULT 0;

CREATE TABLE audio_chunks (
    session_id  BIGINT NOT NULL REFERENCES sessions (id),
    seq         BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    format      TEXT NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    analyzed    BOOLEAN NOT NULL DEFAULT false,
    error       TEXT NOT NULL DEFAULT '', -- why it could not be analysed
    PRIMARY KEY (session_id, seq)
);
CREATE INDEX audio_pending ON audio_chunks (session_id, seq) WHERE NOT analyzed;

CREATE TABLE audio_signals (
    session_id BIGINT NOT NULL,
    chunk_seq  BIGINT NOT NULL,
    idx        BIGINT NOT NULL,
    start_at   BIGINT NOT NULL,
    dur_ms     BIGINT NOT NULL,
    speech     DOUBLE PRECISION NOT NULL,
    rms_db     DOUBLE PRECISION NOT NULL,
    max_db     DOUBLE PRECISION NOT NULL,
    floor_db   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (session_id, chunk_seq, idx),
    FOREIGN KEY (session_id, chunk_seq) REFERENCES audio_chunks (session_id, seq)
);

-- What the frame analysis of a session carries from one frame to the next
-- (the last thumbnail, the last faces), so it can run in batches.
CREATE TABLE analysis_state (
    session_id BIGINT PRIMARY KEY REFERENCES sessions (id),
    data       BYTEA NOT NULL
);

CREATE TABLE accommodations (
    exam_id      BIGINT NOT NULL REFERENCES exams (id),
    student_id   BIGINT NOT NULL REFERENCES students (id),
    off          TEXT NOT NULL DEFAULT '',
    allowed_apps TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    updated_by   BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (exam_id, student_id)
);

-- The policy counts flagged time now, not violations. Settings stay JSON
-- text (as on SQLite); only rows that have the old key are rewritten.
UPDATE exams SET settings = (settings::jsonb #- '{policy,fail_score}')::text
WHERE settings::jsonb #> '{policy,fail_score}' IS NOT NULL;
