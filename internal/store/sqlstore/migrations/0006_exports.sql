-- Export requests: what was asked for, how the build goes, the file.
CREATE TABLE exports (
    id          {{.AutoID}},
    user_id     {{.Int}} NOT NULL REFERENCES users (id),
    course_id   {{.Int}} NOT NULL REFERENCES courses (id),
    exam_id     {{.Int}} NOT NULL DEFAULT 0,
    scope       TEXT NOT NULL,
    session_ids TEXT NOT NULL,           -- JSON array of session ids
    items       TEXT NOT NULL,           -- JSON array of export items
    state       TEXT NOT NULL,
    files_done  {{.Int}} NOT NULL DEFAULT 0,
    files_total {{.Int}} NOT NULL DEFAULT 0,
    bytes_done  {{.Int}} NOT NULL DEFAULT 0,
    blob_key    TEXT NOT NULL DEFAULT '',
    size        {{.Int}} NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    mail        TEXT NOT NULL DEFAULT '',
    mail_error  TEXT NOT NULL DEFAULT '',
    created_at  {{.Int}} NOT NULL,
    finished_at {{.Int}} NOT NULL DEFAULT 0,
    expires_at  {{.Int}} NOT NULL DEFAULT 0
);
CREATE INDEX exports_user ON exports (user_id, id);
CREATE INDEX exports_expiry ON exports (state, expires_at);

-- Every email Vigil sends, kept first here; without an SMTP server it
-- stays here for administrators to read.
CREATE TABLE mail_outbox (
    id         {{.AutoID}},
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   {{.Int}} NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    export_id  {{.Int}} NOT NULL DEFAULT 0,
    created_at {{.Int}} NOT NULL,
    sent_at    {{.Int}} NOT NULL DEFAULT 0
);

-- Secrets the server makes for itself (the download-link signing key).
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      {{.Blob}} NOT NULL,
    created_at {{.Int}} NOT NULL
);
