-- Vigil schema, version 5: retention. The institution's defaults (one row,
-- absent until an administrator sets them: Vigil then keeps session media
-- 180 days and onboarding photos 365), per-course overrides (NULL: the
-- institution's), and on sessions and students what the purge deleted.

CREATE TABLE retention_defaults (
    id              {{.Int}} PRIMARY KEY CHECK (id = 1),
    media_days      {{.Int}} NOT NULL CHECK (media_days BETWEEN 1 AND 3650),
    onboarding_days {{.Int}} NOT NULL CHECK (onboarding_days BETWEEN 1 AND 3650),
    updated_by      {{.Int}} NOT NULL DEFAULT 0,
    updated_at      {{.Int}} NOT NULL
);

ALTER TABLE courses ADD COLUMN media_retention_days {{.Int}}
    CHECK (media_retention_days IS NULL OR media_retention_days BETWEEN 1 AND 3650);
ALTER TABLE courses ADD COLUMN onboarding_retention_days {{.Int}}
    CHECK (onboarding_retention_days IS NULL OR onboarding_retention_days BETWEEN 1 AND 3650);

-- media_purged_at is 0 while the media is kept; the purged_* counts say
-- what the session held, so its summary still does.
ALTER TABLE sessions ADD COLUMN media_purged_at {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_frames   {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_chunks   {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_audio    {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_photos   {{.Int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_bytes    {{.Int}} NOT NULL DEFAULT 0;
-- The purge looks for ended sessions still holding media, oldest first.
CREATE INDEX sessions_media_kept ON sessions (finished_at) WHERE media_purged_at = 0 AND finished_at > 0;

ALTER TABLE students ADD COLUMN onboarding_purged_at {{.Int}} NOT NULL DEFAULT 0;

CREATE INDEX photos_purpose_received ON photos (purpose, received_at);
