-- Export requests: what was asked for, how the build goes, the file.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    course_id   INTEGER NOT NULL REFERENCES courses (id),
    exam_id     INTEGER NOT NULL DEFAULT 0,
    scope       TEXT NOT NULL,
    session_ids TEXT NOT NULL,           -- JSON array of session ids
    items       TEXT NOT NULL,           -- JSON array of export items
    state       TEXT NOT NULL,
    files_done  INTEGER NOT NULL DEFAULT 0,
    files_total INTEGER NOT NULL DEFAULT 0,
    bytes_done  INTEGER NOT NULL DEFAULT 0,
    blob_key    TEXT NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    mail        TEXT NOT NULL DEFAULT '',
    mail_error  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX exports_user ON exports (user_id, id);
CREATE INDEX exports_expiry ON exports (state, expires_at);

-- Every email Vigil sends, kept first here; without an SMTP server it
-- stays here for administrators to read.
CREATE TABLE mail_outbox (
    id         INTEGER PRIMARY KEY,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    export_id  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL DEFAULT 0
);

-- Secrets the server makes for itself (the download-link signing key).
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
