-- Vigil schema, version 9: a session is timed by its recording. recorded_from
-- is the capture time (client clock, ms) of the earliest webcam frame,
-- video chunk or audio chunk (0 while none arrived); the time before it
-- (system check, photos) is not exam time. lms_attempt is the LMS's own
-- attempt number when it sends one (LTI Proctoring), else 0.
ALTER TABLE sessions
    ADD COLUMN recorded_from BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN lms_attempt   BIGINT NOT NULL DEFAULT 0;

-- Sessions recorded before this version: their earliest media, found in
-- one pass over each media table.
WITH earliest AS (
    SELECT session_id, min(t) AS t FROM (
        SELECT session_id, captured_at AS t FROM frames
        UNION ALL SELECT session_id, started_at FROM video_chunks
        UNION ALL SELECT session_id, started_at FROM audio_chunks
    ) media GROUP BY session_id
)
UPDATE sessions s SET recorded_from = e.t FROM earliest e WHERE e.session_id = s.id;
