-- Vigil schema, version 4: LTI 1.3. Registered platforms and their
-- deployments, Vigil's own signing keys, single-use login states and
-- nonces, who a platform's users are here, which course a platform's
-- context is, which exam a resource link opens, Canvas quizzes and their
-- hidden access codes, course enablement requests, and LTI Proctoring
-- Services attempts.

-- A course from an LMS is usable once an administrator enables it; the
-- courses made by hand before this version stay enabled.
ALTER TABLE courses ADD COLUMN enabled {{.Bool}} NOT NULL DEFAULT {{.True}};

CREATE UNIQUE INDEX students_external ON students (course_id, external_id) WHERE external_id != '';

CREATE TABLE lti_platforms (
    id                   {{.AutoID}},
    name                 TEXT NOT NULL,
    issuer               TEXT NOT NULL,
    client_id            TEXT NOT NULL,
    auth_url             TEXT NOT NULL,
    token_url            TEXT NOT NULL,
    jwks_url             TEXT NOT NULL,
    auto_enable          {{.Bool}} NOT NULL DEFAULT {{.False}},
    canvas_url           TEXT NOT NULL DEFAULT '',
    canvas_token         TEXT NOT NULL DEFAULT '',
    canvas_client_id     TEXT NOT NULL DEFAULT '',
    canvas_client_secret TEXT NOT NULL DEFAULT '',
    created_at           {{.Int}} NOT NULL,
    UNIQUE (issuer, client_id)
);

CREATE TABLE lti_deployments (
    platform_id   {{.Int}} NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    deployment_id TEXT NOT NULL,
    PRIMARY KEY (platform_id, deployment_id)
){{.WithoutRowID}};

CREATE TABLE lti_keys (
    kid          TEXT PRIMARY KEY,
    private_pem  TEXT NOT NULL,
    created_at   {{.Int}} NOT NULL,
    activated_at {{.Int}} NOT NULL DEFAULT 0,
    retired_at   {{.Int}} NOT NULL DEFAULT 0
){{.WithoutRowID}};

CREATE TABLE lti_logins (
    state_hash      TEXT PRIMARY KEY,
    nonce           TEXT NOT NULL,
    platform_id     {{.Int}} NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    target_link_uri TEXT NOT NULL,
    storage_target  TEXT NOT NULL DEFAULT '',
    expires_at      {{.Int}} NOT NULL
){{.WithoutRowID}};

CREATE TABLE lti_nonces (
    platform_id {{.Int}} NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  {{.Int}} NOT NULL,
    PRIMARY KEY (platform_id, nonce)
){{.WithoutRowID}};

CREATE TABLE lti_pending (
    id_hash    TEXT PRIMARY KEY,
    state_hash TEXT NOT NULL,
    launch     TEXT NOT NULL,
    expires_at {{.Int}} NOT NULL
){{.WithoutRowID}};

CREATE TABLE lti_users (
    platform_id {{.Int}} NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    sub         TEXT NOT NULL,
    user_id     {{.Int}} NOT NULL REFERENCES users (id),
    PRIMARY KEY (platform_id, sub)
){{.WithoutRowID}};

CREATE TABLE lti_contexts (
    course_id        {{.Int}} PRIMARY KEY REFERENCES courses (id),
    platform_id      {{.Int}} NOT NULL REFERENCES lti_platforms (id),
    context_id       TEXT NOT NULL,
    lms_course_id    TEXT NOT NULL DEFAULT '',
    nrps_url         TEXT NOT NULL DEFAULT '',
    roster_synced_at {{.Int}} NOT NULL DEFAULT 0,
    UNIQUE (platform_id, context_id)
);

CREATE TABLE lti_resource_links (
    course_id        {{.Int}} NOT NULL REFERENCES courses (id),
    resource_link_id TEXT NOT NULL,
    exam_id          {{.Int}} NOT NULL REFERENCES exams (id),
    PRIMARY KEY (course_id, resource_link_id)
){{.WithoutRowID}};

CREATE TABLE lms_quizzes (
    exam_id     {{.Int}} PRIMARY KEY REFERENCES exams (id),
    quiz_id     TEXT NOT NULL,
    access_code TEXT NOT NULL DEFAULT '',
    updated_at  {{.Int}} NOT NULL
);

CREATE TABLE course_requests (
    id            {{.AutoID}},
    course_id     {{.Int}} NOT NULL REFERENCES courses (id),
    user_id       {{.Int}} NOT NULL REFERENCES users (id),
    note          TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied')),
    created_at    {{.Int}} NOT NULL,
    decided_by    {{.Int}} NOT NULL DEFAULT 0,
    decided_at    {{.Int}} NOT NULL DEFAULT 0,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX course_requests_state ON course_requests (state, created_at);

CREATE TABLE lti_proctoring (
    session_id            {{.Int}} PRIMARY KEY REFERENCES sessions (id),
    platform_id           {{.Int}} NOT NULL REFERENCES lti_platforms (id),
    deployment_id         TEXT NOT NULL,
    resource_link_id      TEXT NOT NULL,
    user_sub              TEXT NOT NULL,
    attempt_number        {{.Int}} NOT NULL,
    session_data          TEXT NOT NULL,
    start_assessment_url  TEXT NOT NULL,
    acs_url               TEXT NOT NULL DEFAULT '',
    acs_actions           TEXT NOT NULL DEFAULT '',
    end_assessment_return {{.Bool}} NOT NULL DEFAULT {{.False}},
    started_at            {{.Int}} NOT NULL DEFAULT 0,
    ended_at              {{.Int}} NOT NULL DEFAULT 0
);

CREATE TABLE canvas_tokens (
    platform_id   {{.Int}} NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    user_id       {{.Int}} NOT NULL REFERENCES users (id),
    access_token  TEXT NOT NULL,
    refresh_token TEXT NOT NULL DEFAULT '',
    expires_at    {{.Int}} NOT NULL,
    PRIMARY KEY (platform_id, user_id)
){{.WithoutRowID}};
