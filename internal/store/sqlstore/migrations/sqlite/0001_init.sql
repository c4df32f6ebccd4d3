-- Vigil schema, version 1. Times are Unix milliseconds (UTC); 0 means unset.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'instructor')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE courses (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE course_members (
    course_id INTEGER NOT NULL REFERENCES courses (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (course_id, user_id)
) WITHOUT ROWID;

CREATE TABLE exams (
    id         INTEGER PRIMARY KEY,
    course_id  INTEGER NOT NULL REFERENCES courses (id),
    title      TEXT NOT NULL,
    opens_at   INTEGER NOT NULL DEFAULT 0,
    settings   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX exams_course ON exams (course_id);

CREATE TABLE students (
    id          INTEGER PRIMARY KEY,
    course_id   INTEGER NOT NULL REFERENCES courses (id),
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    external_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX students_course_email ON students (course_id, email);

CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    exam_id           INTEGER NOT NULL REFERENCES exams (id),
    student_id        INTEGER NOT NULL REFERENCES students (id),
    attempt           INTEGER NOT NULL,
    state             TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    client_started_at INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL DEFAULT 0,
    last_capture_at   INTEGER NOT NULL DEFAULT 0,
    verdict           TEXT NOT NULL DEFAULT '',
    reviewed_verdict  TEXT NOT NULL DEFAULT '',
    reviewed          INTEGER NOT NULL DEFAULT 0,
    reviewed_by       INTEGER NOT NULL DEFAULT 0,
    reviewed_at       INTEGER NOT NULL DEFAULT 0,
    analyzed_at       INTEGER NOT NULL DEFAULT 0,
    sources           TEXT NOT NULL DEFAULT '',
    UNIQUE (exam_id, student_id, attempt)
);
CREATE INDEX sessions_state ON sessions (state, created_at);

CREATE TABLE session_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE session_links (
    token_hash TEXT PRIMARY KEY,
    exam_id    INTEGER NOT NULL REFERENCES exams (id),
    student_id INTEGER NOT NULL REFERENCES students (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE frames (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    seq         INTEGER NOT NULL,
    captured_at INTEGER NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    analyzed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE INDEX frames_pending ON frames (session_id, seq) WHERE analyzed = 0;

CREATE TABLE frame_signals (
    session_id  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    captured_at INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    faces       INTEGER NOT NULL,
    boxes       TEXT NOT NULL DEFAULT '',
    mean_luma   REAL NOT NULL,
    PRIMARY KEY (session_id, seq),
    FOREIGN KEY (session_id, seq) REFERENCES frames (session_id, seq)
) WITHOUT ROWID;

CREATE TABLE video_chunks (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    stream      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, stream, seq)
) WITHOUT ROWID;

CREATE TABLE event_batches (
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    batch       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, batch)
) WITHOUT ROWID;

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL,
    batch       INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    combo       TEXT NOT NULL DEFAULT '',
    surface     TEXT NOT NULL DEFAULT '',
    count       INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL DEFAULT '',
    app_state   TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'browser',
    received_at INTEGER NOT NULL,
    FOREIGN KEY (session_id, batch) REFERENCES event_batches (session_id, batch)
);
CREATE INDEX events_session ON events (session_id, at);

CREATE TABLE photos (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    student_id  INTEGER NOT NULL REFERENCES students (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('onboarding', 'verification')),
    kind        TEXT NOT NULL CHECK (kind IN ('face', 'id', 'room')),
    attempt     INTEGER NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    faces       INTEGER NOT NULL,
    mean_luma   REAL NOT NULL,
    captured_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (session_id, purpose, kind, attempt)
);
CREATE INDEX photos_student ON photos (student_id, purpose);

CREATE TABLE violations (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id),
    type          TEXT NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    confidence    REAL NOT NULL,
    applied       INTEGER NOT NULL,
    rule          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    cause         TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '{}',
    decision      TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    decided_by    INTEGER NOT NULL DEFAULT 0,
    decided_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX violations_session ON violations (session_id, start_at);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_session ON notes (session_id);

-- Append-only: the code has no UPDATE or DELETE for this table, and these
-- triggers refuse them from anywhere else too.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   INTEGER NOT NULL DEFAULT 0,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    course_id INTEGER NOT NULL DEFAULT 0,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    remote    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_course_at ON audit_log (course_id, at);
CREATE INDEX audit_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
