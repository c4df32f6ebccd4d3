-- Vigil schema, version 1. Times are Unix milliseconds (UTC); 0 means unset.
-- JSON is kept as text: exams' settings, violations' evidence, and frame
-- signals' boxes ('' when none). Emails compare with ASCII letters folded:
-- on SQLite by the column's collation (NOCASE), on PostgreSQL through
-- indexes on lower(email COLLATE "C"), which folds the same letters.

CREATE TABLE users (
    id            {{.AutoID}},
    email         TEXT NOT NULL{{if not .Postgres}} UNIQUE{{end}}{{.Nocase}},
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'instructor')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    {{.Int}} NOT NULL
);
{{if .Postgres -}}
CREATE UNIQUE INDEX users_email ON users ({{.Folded "email"}});
{{end -}}

CREATE TABLE courses (
    id         {{.AutoID}},
    code       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    created_at {{.Int}} NOT NULL
);

CREATE TABLE course_members (
    course_id {{.Int}} NOT NULL REFERENCES courses (id),
    user_id   {{.Int}} NOT NULL REFERENCES users (id),
    PRIMARY KEY (course_id, user_id)
){{.WithoutRowID}};

CREATE TABLE exams (
    id         {{.AutoID}},
    course_id  {{.Int}} NOT NULL REFERENCES courses (id),
    title      TEXT NOT NULL,
    opens_at   {{.Int}} NOT NULL DEFAULT 0,
    settings   TEXT NOT NULL,
    created_at {{.Int}} NOT NULL,
    updated_at {{.Int}} NOT NULL
);
CREATE INDEX exams_course ON exams (course_id);

CREATE TABLE students (
    id          {{.AutoID}},
    course_id   {{.Int}} NOT NULL REFERENCES courses (id),
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT ''{{.Nocase}},
    external_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX students_course_email ON students (course_id, {{.Folded "email"}});

CREATE TABLE sessions (
    id                {{.AutoID}},
    exam_id           {{.Int}} NOT NULL REFERENCES exams (id),
    student_id        {{.Int}} NOT NULL REFERENCES students (id),
    attempt           {{.Int}} NOT NULL,
    state             TEXT NOT NULL,
    created_at        {{.Int}} NOT NULL,
    client_started_at {{.Int}} NOT NULL,
    finished_at       {{.Int}} NOT NULL DEFAULT 0,
    last_capture_at   {{.Int}} NOT NULL DEFAULT 0,
    verdict           TEXT NOT NULL DEFAULT '',
    reviewed_verdict  TEXT NOT NULL DEFAULT '',
    reviewed          {{.Bool}} NOT NULL DEFAULT {{.False}},
    reviewed_by       {{.Int}} NOT NULL DEFAULT 0,
    reviewed_at       {{.Int}} NOT NULL DEFAULT 0,
    analyzed_at       {{.Int}} NOT NULL DEFAULT 0,
    sources           TEXT NOT NULL DEFAULT '',
    UNIQUE (exam_id, student_id, attempt)
);
CREATE INDEX sessions_state ON sessions (state, created_at);

CREATE TABLE session_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id {{.Int}} NOT NULL REFERENCES sessions (id),
    expires_at {{.Int}} NOT NULL
){{.WithoutRowID}};

CREATE TABLE session_links (
    token_hash TEXT PRIMARY KEY,
    exam_id    {{.Int}} NOT NULL REFERENCES exams (id),
    student_id {{.Int}} NOT NULL REFERENCES students (id),
    created_at {{.Int}} NOT NULL,
    expires_at {{.Int}} NOT NULL
){{.WithoutRowID}};

CREATE TABLE frames (
    session_id  {{.Int}} NOT NULL REFERENCES sessions (id),
    seq         {{.Int}} NOT NULL,
    captured_at {{.Int}} NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        {{.Int}} NOT NULL,
    width       {{.Int}} NOT NULL,
    height      {{.Int}} NOT NULL,
    received_at {{.Int}} NOT NULL,
    analyzed    {{.Bool}} NOT NULL DEFAULT {{.False}},
    PRIMARY KEY (session_id, seq)
){{.WithoutRowID}};
CREATE INDEX frames_pending ON frames (session_id, seq) WHERE {{.IsFalse "analyzed"}};

CREATE TABLE frame_signals (
    session_id  {{.Int}} NOT NULL,
    seq         {{.Int}} NOT NULL,
    captured_at {{.Int}} NOT NULL,
    ok          {{.Bool}} NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    faces       {{.Int}} NOT NULL,
    boxes       TEXT NOT NULL DEFAULT '',
    mean_luma   {{.Real}} NOT NULL,
    PRIMARY KEY (session_id, seq),
    FOREIGN KEY (session_id, seq) REFERENCES frames (session_id, seq)
){{.WithoutRowID}};

CREATE TABLE video_chunks (
    session_id  {{.Int}} NOT NULL REFERENCES sessions (id),
    stream      TEXT NOT NULL,
    seq         {{.Int}} NOT NULL,
    started_at  {{.Int}} NOT NULL,
    duration_ms {{.Int}} NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        {{.Int}} NOT NULL,
    received_at {{.Int}} NOT NULL,
    PRIMARY KEY (session_id, stream, seq)
){{.WithoutRowID}};

CREATE TABLE event_batches (
    session_id  {{.Int}} NOT NULL REFERENCES sessions (id),
    batch       {{.Int}} NOT NULL,
    sha256      TEXT NOT NULL,
    received_at {{.Int}} NOT NULL,
    PRIMARY KEY (session_id, batch)
){{.WithoutRowID}};

CREATE TABLE events (
    id          {{.AutoID}},
    session_id  {{.Int}} NOT NULL,
    batch       {{.Int}} NOT NULL,
    kind        TEXT NOT NULL,
    at          {{.Int}} NOT NULL,
    combo       TEXT NOT NULL DEFAULT '',
    surface     TEXT NOT NULL DEFAULT '',
    count       {{.Int}} NOT NULL DEFAULT 0,
    name        TEXT NOT NULL DEFAULT '',
    app_state   TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'browser',
    received_at {{.Int}} NOT NULL,
    FOREIGN KEY (session_id, batch) REFERENCES event_batches (session_id, batch)
);
CREATE INDEX events_session ON events (session_id, at);

CREATE TABLE photos (
    id          {{.AutoID}},
    session_id  {{.Int}} NOT NULL REFERENCES sessions (id),
    student_id  {{.Int}} NOT NULL REFERENCES students (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('onboarding', 'verification')),
    kind        TEXT NOT NULL CHECK (kind IN ('face', 'id', 'room')),
    attempt     {{.Int}} NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        {{.Int}} NOT NULL,
    passed      {{.Bool}} NOT NULL,
    reason      TEXT NOT NULL,
    faces       {{.Int}} NOT NULL,
    mean_luma   {{.Real}} NOT NULL,
    captured_at {{.Int}} NOT NULL,
    received_at {{.Int}} NOT NULL,
    UNIQUE (session_id, purpose, kind, attempt)
);
CREATE INDEX photos_student ON photos (student_id, purpose);

CREATE TABLE violations (
    id            {{.AutoID}},
    session_id    {{.Int}} NOT NULL REFERENCES sessions (id),
    type          TEXT NOT NULL,
    start_at      {{.Int}} NOT NULL,
    end_at        {{.Int}} NOT NULL,
    confidence    {{.Real}} NOT NULL,
    applied       {{.Bool}} NOT NULL,
    rule          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    cause         TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '{}',
    decision      TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    decided_by    {{.Int}} NOT NULL DEFAULT 0,
    decided_at    {{.Int}} NOT NULL DEFAULT 0
);
CREATE INDEX violations_session ON violations (session_id, start_at);

CREATE TABLE notes (
    id         {{.AutoID}},
    session_id {{.Int}} NOT NULL REFERENCES sessions (id),
    author_id  {{.Int}} NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at {{.Int}} NOT NULL
);
CREATE INDEX notes_session ON notes (session_id);

-- Append-only: the code has no UPDATE or DELETE for this table, and the
-- triggers below refuse them (on PostgreSQL TRUNCATE too) from anywhere
-- else.
CREATE TABLE audit_log (
    id        {{.AutoID}},
    at        {{.Int}} NOT NULL,
    user_id   {{.Int}} NOT NULL DEFAULT 0,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    course_id {{.Int}} NOT NULL DEFAULT 0,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    remote    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_course_at ON audit_log (course_id, at);
CREATE INDEX audit_at ON audit_log (at);
{{if .Postgres -}}
CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
{{else -}}
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
{{end -}}

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    {{.Int}} NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at {{.Int}} NOT NULL,
    expires_at {{.Int}} NOT NULL
){{.WithoutRowID}};

CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    user_id    {{.Int}} NOT NULL REFERENCES users (id),
    expires_at {{.Int}} NOT NULL,
    used_at    {{.Int}} NOT NULL DEFAULT 0
){{.WithoutRowID}};
