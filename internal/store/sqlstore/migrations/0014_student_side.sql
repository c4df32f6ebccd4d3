-- Vigil schema, version 14: the student's side (docs/STUDENT.md).
--
-- A session link opens the one session it started (session_id, set at its
-- first use), so opening a finished exam's link again shows that session
-- and its receipt. new_attempt says whether an unused link may start a new
-- attempt when the student's latest one is over: links from the dashboard
-- and LTI Proctoring launches may, an LMS exam link opens the latest.
ALTER TABLE session_links ADD COLUMN session_id {{.Int}} REFERENCES sessions (id);
ALTER TABLE session_links ADD COLUMN new_attempt {{.Bool}} NOT NULL DEFAULT {{.True}};

-- Key combinations a student's assistive technology needs (one a line).
ALTER TABLE accommodations ADD COLUMN allowed_keys TEXT NOT NULL DEFAULT '';

-- Whether the students of a course may see their own released reviews
-- and answer each flag (off unless an instructor switches it on).
CREATE TABLE student_review_courses (
    course_id  {{.Int}} PRIMARY KEY REFERENCES courses (id),
    enabled    {{.Bool}} NOT NULL,
    updated_by {{.Int}} NOT NULL DEFAULT 0,
    updated_at {{.Int}} NOT NULL
);

-- A session's review released to its student, with the date until which
-- explanations are accepted.
CREATE TABLE review_releases (
    session_id    {{.Int}} PRIMARY KEY REFERENCES sessions (id),
    released_at   {{.Int}} NOT NULL,
    released_by   {{.Int}} NOT NULL,
    explain_until {{.Int}} NOT NULL
);

-- A student's explanation of one flag, keyed by the violation's key
-- (type@start), which survives a re-decision. notified_at is when a digest
-- told the instructors (0: not yet, or changed since).
CREATE TABLE explanations (
    session_id    {{.Int}} NOT NULL REFERENCES sessions (id),
    violation_key TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    {{.Int}} NOT NULL,
    updated_at    {{.Int}} NOT NULL,
    notified_at   {{.Int}} NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, violation_key)
){{.WithoutRowID}};
