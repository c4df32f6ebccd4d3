-- Vigil schema, version 9: a session is timed by its recording. recorded_from
-- is the capture time (client clock, ms) of the earliest webcam frame,
-- video chunk or audio chunk (0 while none arrived); the time before it
-- (system check, photos) is not exam time. lms_attempt is the LMS's own
-- attempt number when it sends one (LTI Proctoring), else 0.
ALTER TABLE sessions ADD COLUMN recorded_from {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN lms_attempt {{.Int}} NOT NULL DEFAULT 0;

-- Sessions recorded before this version: their earliest media (on
-- PostgreSQL found in one pass over each media table).
{{if .Postgres -}}
WITH earliest AS (
    SELECT session_id, min(t) AS t FROM (
        SELECT session_id, captured_at AS t FROM frames
        UNION ALL SELECT session_id, started_at FROM video_chunks
        UNION ALL SELECT session_id, started_at FROM audio_chunks
    ) media GROUP BY session_id
)
UPDATE sessions s SET recorded_from = e.t FROM earliest e WHERE e.session_id = s.id;
{{else -}}
UPDATE sessions SET recorded_from = coalesce((
    SELECT min(t) FROM (
        SELECT min(captured_at) AS t FROM frames WHERE frames.session_id = sessions.id
        UNION ALL SELECT min(started_at) FROM video_chunks WHERE video_chunks.session_id = sessions.id
        UNION ALL SELECT min(started_at) FROM audio_chunks WHERE audio_chunks.session_id = sessions.id
    ) AS media), 0);
{{end -}}
